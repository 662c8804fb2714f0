from django.contrib.auth.forms import SetPasswordForm


class ChoosePasswordForm(SetPasswordForm):
    """Django's own form for a first password: the two must match, and the password
    must pass the project's validators (at least 12 characters, not common, not like
    the person's name or address)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. A few unrelated words make a strong password that is "
            "easy to remember."
        )
        self.fields["new_password2"].label = "Type the password again"
        self.fields["new_password2"].help_text = ""
