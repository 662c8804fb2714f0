from django.urls import path

from policies import views

app_name = "policies"

urlpatterns = [
    path("", views.index, name="index"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("versions/", views.versions, name="versions"),
    path("versions/new/", views.version_new, name="version_new"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/document/", views.version_document, name="version_document"),
    path("acknowledgements/", views.acknowledgements, name="acknowledgements"),
    path("training/", views.training, name="training"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/evidence/", views.training_evidence, name="training_evidence"),
    path("channels/", views.channels, name="channels"),
    path("gifts/", views.gifts, name="gifts"),
]
