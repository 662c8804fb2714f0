from allauth.account.forms import LoginForm


class SignInForm(LoginForm):
    """allauth's sign-in form in the words used on the page around it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.update({"autocomplete": "email", "placeholder": ""})
        # The page has its own "Forgotten your password?" link under the button.
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.update(
            {"autocomplete": "current-password", "placeholder": ""}
        )
