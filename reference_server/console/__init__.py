"""The web console under ``/console``: the platform's provisioning flow as pages.

Sign in with the admin token; create an app (its SCIM Base URL and Bearer Token, shown once);
on its page, in tabs: Provisioning (tokens, settings), Attribute mapping (a table editor),
Directory (the platform's records), Requests (the request record, live, with findings) and
Conformance (the suites, through the :mod:`.runner` hook). Server-rendered Jinja2 templates
and one small script; :mod:`.security` has the sessions, CSRF tokens and headers, and
:mod:`.routes` the route table that ``create_app`` mounts.
"""
