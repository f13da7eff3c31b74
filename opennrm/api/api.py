from ninja import NinjaAPI

api = NinjaAPI(title="OpenNRM API", version="1", urls_namespace="api-v1")
