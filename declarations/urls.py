from django.urls import path

from declarations import views

app_name = "declarations"

urlpatterns = [
    path("", views.declaration_list, name="list"),
    path("new/", views.declaration_choose, name="choose"),
    path("new/<slug:kind>/", views.declaration_create, name="create"),
    path("people/", views.people_search_results, name="people"),
    path("<int:pk>/", views.declaration_detail, name="detail"),
    path("<int:pk>/edit/", views.declaration_edit, name="edit"),
    path("<int:pk>/review/", views.declaration_review, name="review"),
    path("<int:pk>/submit/", views.declaration_submit, name="submit"),
    path("<int:pk>/withdraw/", views.declaration_withdraw, name="withdraw"),
    path("<int:pk>/amend/", views.declaration_amend, name="amend"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
