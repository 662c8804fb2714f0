from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    """allauth's email backend, except that a disabled account is not told apart.

    allauth normally sends a disabled account with the right password to an
    "account inactive" page, which confirms the account exists. Here the person
    sees the same message as for a wrong password or an unknown address.
    """

    @classmethod
    def _stash_user(cls, user):
        return None
