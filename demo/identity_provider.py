"""A local OpenID Connect provider on 127.0.0.1 for development and tests (never
production): it stands in for Microsoft Entra ID (``/microsoft``: a multi-tenant issuer
``.../microsoft/{tenantid}/v2.0`` and a ``tid`` claim) and for Google (``/google``: an
``hd`` claim), speaking the real protocol (discovery, authorisation code with PKCE, the
token endpoint, signed ID tokens, the keys).

A person signs in on its own page by typing or picking an address (``make run``); a
test instead queues the next answer with ``answer_next(...)``, and can make the provider
misbehave on purpose: sign with another key, send ``alg: none``, another audience, an
expired token, another nonce or issuer (``claims`` and ``misbehave``).

Built on the standard library and PyJWT/cryptography, which allauth already needs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

REALMS = ("microsoft", "google")
OUTSIDE_TENANT = "00000000-0000-4000-8000-0000000000ff"  # no school's tenant


@dataclass
class Answer:
    """The next sign-in's answer, queued by a test."""

    email: str
    claims: dict[str, Any] = field(default_factory=dict)
    # "other_key": signed with a key the provider does not publish under that kid;
    # "alg_none": not signed at all; "reuse_last_token": the previous sign-in's token.
    misbehave: str = ""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class LocalIdentityProvider:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clients: dict[str, str] | None = None,
        tenants: dict[str, str] | None = None,
        accounts: list[str] | None = None,
    ) -> None:
        """``clients``: client id -> secret; ``tenants``: email domain -> Entra tenant
        id (other domains get an outside tenant); ``accounts``: addresses offered on
        the sign-in page."""
        self.clients = clients or {}
        self.tenants = {domain.lower(): tid for domain, tid in (tenants or {}).items()}
        self.accounts = accounts or []
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.answers: list[Answer] = []
        self.codes: dict[str, dict[str, Any]] = {}
        self.issued: list[str] = []
        self.token_requests = 0
        self._lock = threading.Lock()
        self._server = make_server(host, port, self._app, _Server, _QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    # Running -----------------------------------------------------------------------

    def start(self) -> LocalIdentityProvider:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_next(self, email: str, *, claims: dict | None = None, misbehave: str = "") -> None:
        with self._lock:
            self.answers.append(Answer(email=email, claims=claims or {}, misbehave=misbehave))

    def issuer(self, realm: str) -> str:
        if realm == "microsoft":
            return f"{self.url}/microsoft/{{tenantid}}/v2.0"
        return f"{self.url}/google"

    def tenant_of(self, email: str) -> str:
        return self.tenants.get(email.rpartition("@")[2].lower(), OUTSIDE_TENANT)

    # WSGI ----------------------------------------------------------------------------

    def _app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
        realm, _, endpoint = path.strip("/").partition("/")
        if realm not in REALMS:
            return _respond(start_response, "404 Not Found", "text/plain", b"Not found")
        if endpoint == ".well-known/openid-configuration":
            return _json(start_response, self._discovery(realm))
        if endpoint == "jwks":
            return _json(start_response, {"keys": [self._public_jwk()]})
        if endpoint == "authorize" and method == "GET":
            return self._authorize(start_response, realm, query)
        if endpoint == "authorize" and method == "POST":
            return self._authorize_form(start_response, realm, form)
        if endpoint == "token" and method == "POST":
            return self._token(start_response, realm, form)
        if endpoint == "userinfo":
            return _json(start_response, {})
        return _respond(start_response, "404 Not Found", "text/plain", b"Not found")

    def _discovery(self, realm: str) -> dict:
        base = f"{self.url}/{realm}"
        return {
            "issuer": self.issuer(realm),
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def _public_jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def _authorize(self, start_response, realm: str, query: dict):
        if query.get("client_id") not in self.clients:
            return _respond(start_response, "400 Bad Request", "text/plain", b"Unknown client")
        with self._lock:
            answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            return _respond(start_response, "200 OK", "text/html", self._page(realm, query))
        return self._redirect_with_code(start_response, realm, query, answer)

    def _authorize_form(self, start_response, realm: str, form: dict):
        email = form.get("email", "").strip().lower()
        if not email or form.get("client_id") not in self.clients:
            return _respond(start_response, "200 OK", "text/html", self._page(realm, form))
        claims: dict[str, Any] = {}
        if realm == "microsoft" and form.get("tenant"):
            claims["tid"] = form["tenant"]
        if form.get("mfa"):
            claims["amr"] = ["pwd", "mfa"]
        return self._redirect_with_code(start_response, realm, form, Answer(email, claims))

    def _redirect_with_code(self, start_response, realm: str, params: dict, answer: Answer):
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "realm": realm,
                "client_id": params.get("client_id"),
                "redirect_uri": params.get("redirect_uri"),
                "nonce": params.get("nonce"),
                "code_challenge": params.get("code_challenge"),
                "answer": answer,
            }
        target = (
            params.get("redirect_uri", "")
            + "?"
            + urlencode({"code": code, "state": params.get("state", "")})
        )
        start_response("302 Found", [("Location", target), ("Cache-Control", "no-store")])
        return [b""]

    def _token(self, start_response, realm: str, form: dict):
        self.token_requests += 1
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)
        client_id = form.get("client_id", "")
        if (
            grant is None
            or grant["realm"] != realm
            or grant["client_id"] != client_id
            or self.clients.get(client_id) != form.get("client_secret")
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return _json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge.decode() != grant["code_challenge"]:
                return _json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        answer: Answer = grant["answer"]
        if answer.misbehave == "reuse_last_token" and self.issued:
            id_token = self.issued[-1]
        else:
            id_token = self._id_token(realm, client_id, grant["nonce"], answer)
        self.issued.append(id_token)
        return _json(
            start_response,
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            },
        )

    def _id_token(self, realm: str, client_id: str, nonce: str | None, answer: Answer) -> str:
        now = int(time.time())
        email = answer.email.lower()
        subject = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{realm}:{email}"))
        claims: dict[str, Any] = {
            "aud": client_id,
            "sub": subject,
            "email": email,
            "name": email.partition("@")[0].replace(".", " ").title(),
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": secrets.token_hex(12),
        }
        if nonce:
            claims["nonce"] = nonce
        if realm == "microsoft":
            claims.update({"tid": self.tenant_of(email), "oid": subject})
            claims["preferred_username"] = email
        else:
            claims.update({"email_verified": True, "hd": email.rpartition("@")[2]})
        claims.update(answer.claims)
        if realm == "microsoft":
            claims.setdefault("iss", self.issuer(realm).replace("{tenantid}", claims["tid"]))
        else:
            claims.setdefault("iss", self.issuer(realm))
        claims = {key: value for key, value in claims.items() if value is not None}
        if answer.misbehave == "alg_none":
            return jwt.encode(claims, None, algorithm="none", headers={"kid": self.kid})
        key = self.other_key if answer.misbehave == "other_key" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def _page(self, realm: str, params: dict) -> bytes:
        name = "Microsoft" if realm == "microsoft" else "Google"
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in params.items()
            if key in {"client_id", "redirect_uri", "state", "nonce", "code_challenge"}
        )
        options = "".join(
            f'<option value="{html.escape(email)}"></option>' for email in self.accounts
        )
        tenant = ""
        if realm == "microsoft":
            choices = "".join(
                f'<option value="{html.escape(tid)}">{html.escape(domain)}</option>'
                for domain, tid in self.tenants.items()
            )
            tenant = (
                '<p><label for="tenant">Organisation (tenant)</label><br>'
                f'<select id="tenant" name="tenant"><option value="">From the address'
                f"</option>{choices}"
                f'<option value="{OUTSIDE_TENANT}">Another organisation</option></select></p>'
            )
        page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in: local test provider for {name}</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}}
input,select,button{{font-size:1rem;padding:.4rem}}
button{{background:#0b5cad;color:#fff;border:0}}</style>
</head><body><main>
<h1>Local test provider standing in for {name}</h1>
<p>Development and tests only: no password is asked. Type or pick the address of the
person signing in.</p>
<form method="post" action="{self.url}/{realm}/authorize">{hidden}
<p><label for="email">Email address</label><br>
<input id="email" name="email" type="email" list="accounts" autocomplete="off" size="40" required>
<datalist id="accounts">{options}</datalist></p>
{tenant}
<p><input id="mfa" name="mfa" type="checkbox" value="1">
<label for="mfa">I used a second factor (the token says so)</label></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>"""
        return page.encode()


def _json(start_response, data: dict, status: str = "200 OK"):
    return _respond(start_response, status, "application/json", json.dumps(data).encode())


def _respond(start_response, status: str, content_type: str, body: bytes):
    start_response(
        status,
        [
            ("Content-Type", f"{content_type}; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]
