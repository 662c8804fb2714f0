"""A SAML 2.0 identity provider for the tests (#18): pysaml2's IdP (signing with Debian's
xmlsec1), standing for RM Unify or LGfL USO. It reads the AuthnRequest the product sends
and answers as an identity provider does, or misbehaves on purpose (unsigned, for another
audience or recipient, out of date)."""

from __future__ import annotations

import base64
import datetime
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, xmldsig
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
# The SAML tests and journey need Debian's xmlsec1 (`make test` installs it as root):
# skipped without it on a laptop, never under CI=true, where they fail instead.
needs_xmlsec1 = pytest.mark.skipif(
    not os.path.exists(XMLSEC1) and not os.environ.get("CI"), reason="apt-get install xmlsec1"
)
ENTITY_ID = "https://idp.rm-unify.test/saml"
SSO_URL = "https://idp.rm-unify.test/saml/sso"
OTHER_SP = "https://another-service.example/saml/metadata/"
MFA_CONTEXT = "https://refeds.org/profile/mfa"
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def key_and_certificate(folder: Path) -> tuple[Path, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test SAML IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file.write_bytes(pem)
    return key_file, cert_file, pem.decode()


class SamlTestIdentityProvider:
    def __init__(
        self,
        folder: Path,
        sp_metadata: str,
        *,
        key_file: Path,
        cert_file: Path,
        sso_url: str = SSO_URL,
    ):
        sp_entity_id = re.search(r'entityID="([^"]+)"', sp_metadata).group(1)
        other = sp_metadata.replace(sp_entity_id, OTHER_SP)
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (sso_url, BINDING_HTTP_REDIRECT),
                                (sso_url, BINDING_HTTP_POST),
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {"default": {"lifetime": {"minutes": 5}}},
                        "want_authn_requests_signed": False,
                    }
                },
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "xmlsec_binary": XMLSEC1,
                "metadata": {"inline": [sp_metadata, other]},
                "allow_unknown_attributes": True,
            }
        )
        self.server = Server(config=config)

    def answer(
        self,
        redirect_to_idp: str,
        email: str,
        *,
        signed: bool = True,
        audience: str | None = None,
        destination: str | None = None,
        context: str = PASSWORD_CONTEXT,
        email_in: str = "attribute",
    ) -> tuple[str, dict]:
        """The ACS address and the POST an identity provider's page would send back for
        the AuthnRequest in ``redirect_to_idp`` (the product's redirect)."""
        query = parse_qs(urlsplit(redirect_to_idp).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        acs = request.message.assertion_consumer_service_url
        sp_entity_id = request.message.issuer.text
        identity = {"urn:oid:0.9.2342.19200300.100.1.3": [email]} if email_in else {}
        name_id = NameID(
            format=NAMEID_FORMAT_EMAILADDRESS
            if email_in == "nameid"
            else NAMEID_FORMAT_UNSPECIFIED,
            text=email if email_in == "nameid" else f"user-{abs(hash(email))}",
        )
        response = self.server.create_authn_response(
            identity=identity,
            in_response_to=request.message.id,
            destination=destination or acs,
            sp_entity_id=audience or sp_entity_id,
            name_id=name_id,
            authn={"class_ref": context, "authn_auth": ENTITY_ID},
            sign_assertion=signed,
            sign_response=False,
            sign_alg=xmldsig.SIG_RSA_SHA256,
            digest_alg=xmldsig.DIGEST_SHA256,
        )
        data = {
            "SAMLResponse": base64.b64encode(str(response).encode()).decode(),
            "RelayState": query.get("RelayState", [""])[0],
        }
        return acs, data


class SamlIdentityProviderServer:
    """The same identity provider behind two pages on 127.0.0.1, for the browser: the
    product's redirect lands on a sign-in page (an email address), whose answer is a
    page posting the signed response back to the product, as RM Unify's does."""

    def __init__(self, folder: Path, *, key_file: Path, cert_file: Path) -> None:
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_message(self, format, *args):
                pass

        self.folder, self.key_file, self.cert_file = folder, key_file, cert_file
        self.idp: SamlTestIdentityProvider | None = None
        self._server = make_server("127.0.0.1", 0, self._app, handler_class=Quiet)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.sso_url = f"{self.url}/sso"

    def load_sp_metadata(self, metadata: str) -> None:
        self.idp = SamlTestIdentityProvider(
            self.folder,
            metadata,
            key_file=self.key_file,
            cert_file=self.cert_file,
            sso_url=self.sso_url,
        )

    def start(self):
        import threading

        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ, start_response):
        import html

        if environ["REQUEST_METHOD"] == "GET":
            query = environ.get("QUERY_STRING", "")
            body = f"""<h1>RM Unify (test identity provider)</h1>
<form method="post" action="{self.sso_url}?{html.escape(query)}">
<p><label for="email">Email address</label><br>
<input id="email" name="email" type="email" autocomplete="off" required></p>
<p><button type="submit">Sign in</button></p></form>"""
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            email = parse_qs(environ["wsgi.input"].read(length).decode())["email"][0]
            redirect = f"{self.sso_url}?{environ.get('QUERY_STRING', '')}"
            acs, data = self.idp.answer(redirect, email)
            fields = "".join(
                f'<input type="hidden" name="{key}" value="{html.escape(value)}">'
                for key, value in data.items()
            )
            body = f"""<h1>RM Unify (test identity provider)</h1>
<p>You are signed in as {html.escape(email)}.</p>
<form method="post" action="{html.escape(acs)}">{fields}
<p><button type="submit">Continue to the staff contact register</button></p></form>"""
        page = (
            '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
            "<title>RM Unify (test identity provider)</title></head>"
            f"<body><main>{body}</main></body></html>"
        ).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page]
