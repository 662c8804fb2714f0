"""The canonical tables every source of people, pupils and families produces.

A source (spreadsheet, Wonde, ...) hands the import pipeline one ``tablib.Dataset`` per
table, with these headers (a spreadsheet's own headers, "Forename", "Adno", "Legal
Surname" and the like, are mapped onto them first). Values are text as the source gives
them; the pipeline parses and checks them. A column may be absent where it says optional.

``setting`` names a school or pre-school of the organisation being imported into, by its
URN or its name; empty means that organisation itself (when it is a setting).
"""

STAFF = (
    "email",  # required; matches an existing person
    "given_name",  # required
    "family_name",  # required
    "setting",  # optional (see above)
    "role",  # required: a Role, by its label ("Teacher", "Headteacher") or its value
    "job_title",  # optional
    "line_manager_email",  # optional: someone in this file or already at the organisation
    "starts_on",  # optional, UK date (03/04/2026 is 3 April 2026) or ISO
    "ends_on",  # optional
    "reference",  # optional: the MIS's own id of the employee (Wonde's employee id)
)

PUPILS = (
    "reference",  # required: the MIS reference (admission number); matches with setting
    "upn",  # optional: unique pupil number; matches when the reference does not
    "given_name",  # required: legal first name
    "family_name",  # required: legal last name
    "preferred_given_name",  # optional
    "preferred_family_name",  # optional
    "date_of_birth",  # required
    "year_group",  # optional: "Reception", "Year 6", "6", "N1"... (directory.models.YearGroup)
    "class_name",  # optional: registration class or room
    "setting",  # optional (see above)
    "status",  # optional: "on roll" (default) or "left"
    "left_on",  # required when status is left
    "destination",  # optional: where a leaver went next
)

FAMILIES = (
    "reference",  # optional: the MIS's id of the contact; matches with the organisation
    "given_name",  # required
    "family_name",  # required
    "relationship",  # required: a FamilyLink.Relationship label or value ("Mother", "Carer")
    "parental_responsibility",  # optional: yes/no, true/false, y/n, 1/0 (default no)
    "pupil_references",  # required: the pupils' references, separated by ";"
    "setting",  # optional: where the children are, when a trust's schools share references
    "email",  # optional
    "phone",  # optional
)

LINE_MANAGEMENT = (
    "email",  # required: the member of staff
    "line_manager_email",  # required
    "setting",  # optional (see above)
)

TABLES = {
    "staff": STAFF,
    "pupils": PUPILS,
    "families": FAMILIES,
    "line_management": LINE_MANAGEMENT,
}

# What each column is called on the pages, in a school office's words (the names above
# are the pipeline's own). Where a file called it something else, the page says so too.
LABELS = {
    "email": "Email",
    "given_name": "Forename",
    "family_name": "Surname",
    "setting": "School or pre-school",
    "role": "Role",
    "job_title": "Job title",
    "line_manager_email": "Line manager's email",
    "starts_on": "Start date",
    "ends_on": "End date",
    "reference": "MIS reference",
    "upn": "UPN (unique pupil number)",
    "preferred_given_name": "Preferred forename",
    "preferred_family_name": "Preferred surname",
    "date_of_birth": "Date of birth",
    "year_group": "Year group",
    "class_name": "Class or room",
    "status": "On roll or left",
    "left_on": "Leaving date",
    "destination": "Destination",
    "relationship": "Relationship",
    "parental_responsibility": "Parental responsibility",
    "pupil_references": "Pupils' references",
    "phone": "Phone",
}


def column_label(column: str, header: str = "") -> str:
    """The column's name on the pages, with the file's own header if it differs."""
    label = LABELS.get(column, column.replace("_", " ").capitalize())
    if header and header.strip().casefold() != label.casefold():
        return f"{label} (“{header.strip()}” in the file)"
    return label
