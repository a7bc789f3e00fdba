"""Data the user owns, in and out: the hipcoach JSON export (re-importable), CSV and FHIR R4.

Modules, each imported only by the format that needs it (FHIR pulls in fhir.resources):
- `schema`: the export file's records as pydantic models (schema version 1);
- `export_json`: the export document, written and read back;
- `export_csv`: one CSV per kind of record, into a folder or a .zip;
- `fhir`, `fhir_codes`, `fhir_questionnaire`: the FHIR Bundle and the codes it uses;
- `files`: atomic file writes, and `DataExportError`.
"""
