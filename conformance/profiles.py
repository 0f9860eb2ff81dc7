"""The ``--profile`` of a conformance run: whose expectations the target is judged by.

- ``rfc`` (default): RFC 7643/7644 (and the platform's rules where they apply).
- an identity provider (``entra``, ``entra-2020``, ``okta``, ``onelogin``, ``jumpcloud``,
  ``pingfederate``): the server suite also replays that IdP's Test Connection and request
  shapes, byte for byte as :mod:`scim_harness.simulated_client.profiles` sends them, and judges
  the answers as that IdP would (checks of area ``vendor``, ids ``SRV-VND-*``). Their verdicts
  are interoperability facts ("Okta will fail here"), not RFC failures.
- ``interop``: the SCIM 2.0 Interoperability Profile (IETF draft-zollner-scim-interop-profile),
  which narrows the RFCs' options for IdP-to-app provisioning; checks of area ``interop``
  (``SRV-IOP-*``, ``CLI-IOP-*``), each citing its section of the draft.
"""

from __future__ import annotations

__all__ = ["IDP_PROFILES", "INTEROP", "INTEROP_AREA", "PROFILE_CHOICES", "VENDOR_AREA"]

IDP_PROFILES = ("entra", "entra-2020", "okta", "onelogin", "jumpcloud", "pingfederate")
"""Identity providers whose requests the server suite replays."""
INTEROP = "interop"
PROFILE_CHOICES = ("rfc", *IDP_PROFILES, INTEROP)
"""Values of ``check server --profile`` (``check client`` takes ``rfc`` and ``interop``)."""
VENDOR_AREA = "vendor"
"""Area of the IdP replays: interoperability facts, not RFC rules."""
INTEROP_AREA = "interop"
"""Area of the interoperability profile's checks."""
