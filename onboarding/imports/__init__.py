"""Getting a school's people, pupils and families in (R38, issue #20).

Every source (a spreadsheet exported from the MIS, a Wonde sync, later Groupcall Xporter
or Arbor's API) produces the same thing: one ``tablib.Dataset`` per table, with the
canonical headers of :mod:`onboarding.imports.columns`. One pipeline reads those datasets:
it previews (each row to add, change or leave alone, each problem with its row, column
and a plain-English reason), writes nothing until confirmed, then writes in batches, each
row whole or not at all, matching on MIS reference, UPN or email so that the same data
imported twice changes nothing. Nothing is ever deleted: a pupil who has left becomes a
former pupil.
"""
