"""Identity (R36, #18): single sign-on per organisation through django-allauth's social
accounts, and the rule that says when a password is refused.

- ``rules``: who may sign in through which identity provider, and when a password is
  refused; no Person is ever created here.
- ``oidc``: allauth's OpenID Connect provider (Microsoft Entra ID, Google Workspace) with
  a nonce and the token's signature always checked.
- ``saml``: allauth's SAML provider, with one app per organisation built from the
  directory's ``SamlIdentityProvider`` rows.
- ``local_provider``: an OpenID Connect provider for development and tests on 127.0.0.1,
  standing in for Microsoft and Google (never in production).

The session contract with multi-factor authentication: after an SSO sign-in in which the
identity provider said it used a second factor (an OIDC ``amr`` claim such as ``mfa``,
``otp`` or ``hwk``; a SAML AuthnContextClassRef naming multi-factor) and the
organisation the person signed in through trusts that (``Organisation.trust_idp_mfa``),
``request.session["sso_mfa"]`` is ``True``; otherwise the key is absent.
"""
