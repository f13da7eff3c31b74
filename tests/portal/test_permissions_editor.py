COVERED_ROUTES: set[str] = set()
