"""Going live (#20): the administrator's page of invitations, and the link in one."""

from django.urls import path

from identity.invitations import views

app_name = "invitations"

urlpatterns = [
    path("people/invitations/", views.going_live, name="going_live"),
    # The link in an invitation: the product's own page, not allauth's.
    path("accounts/invitation/<int:pk>/<str:token>/", views.invitation_page, name="accept"),
]
