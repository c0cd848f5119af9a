"""The center portal: the staff web application (Korean, server-rendered Flask + Jinja2 + htmx, KRDS).

It talks to the four services only through their public HTTP APIs (clients/), as the signed-in person
(`X-Jajo-Actor`). Its own database `<prefix>portal` holds the staff accounts, sessions and sign-in attempts.
"""
