"""One API client per resource (notifications-admin style); `base.ApiClient` adds the token and the person."""
