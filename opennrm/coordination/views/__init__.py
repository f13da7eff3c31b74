"""Pages of the coordination module: plans, reports, the working group, the dashboard and exports."""
