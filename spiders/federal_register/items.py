"""Federal Register documents (Privacy Act notices and rules): the item, its validation, system extraction.

Why the system identifier is extracted here: a system-of-records notice (SORN) names its system only in
prose — 'a current system of records titled, ``DHS/U.S. Immigration and Customs Enforcement (ICE)-009
External Investigations System of Records''' — and its title is usually the generic 'Privacy Act of 1974;
System of Records'. The comparable identifier ('DHS/ICE-009') and name ('External Investigations') are
made once, next to the schema, and the text they came from stays beside them as evidence.
"""

from __future__ import annotations

import json
import re
from typing import Any

from registry.core.parse import ParseError
from spiders.items import RegistryItem

_DOC_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,30}$", re.I)
# "DHS/ICE-009", "DHS/U.S. Immigration and Customs Enforcement (ICE)-009", "JUSTICE/FBI-022", "DHS/ALL-031",
# "INTERIOR/DOI-10", "FCC/OMD-23": department / component (abbreviation, maybe after its long name) - number.
_IDENTIFIER = re.compile(
    r"\b(?P<dept>[A-Z]{2,10})/(?:[A-Z][\w.,&' ]{2,80}?\((?P<abbr>[A-Z]{2,10})\)|(?P<comp>[A-Z]{2,10}))"
    r"\s*[-\u2010-\u2014]+\s*(?P<num>\d{1,4}[a-z]?)\b"
    r"(?P<rest>[^`'\"\u201c\u201d.;]{0,160})"
)
_TAIL = re.compile(r"\s*(?:,\s*)?(?:System of Records(?: Notice)?|SORN)?\s*$", re.I)


# The long form older DHS notices use: "Department of Homeland Security/U.S. Immigration and Customs
# Enforcement-016 FALCON Search and Analysis System of Records".
_LONG_FORM = re.compile(
    r"Department of Homeland Security\s*/\s*(?:U\.S\.\s*)?(?P<long>[A-Z][A-Za-z ]{3,60}?)\s*[-\u2010-\u2014]+\s*"
    r"(?P<num>\d{1,4})\b(?P<rest>[^`'\"\u201c\u201d.;]{0,160})"
)
DHS_COMPONENTS = {"immigration and customs enforcement": "ICE", "customs and border protection": "CBP",
                  "citizenship and immigration services": "USCIS", "secret service": "USSS",
                  "transportation security administration": "TSA", "all": "ALL"}


def extract_system(*texts: str | None) -> tuple[str | None, str | None, str | None]:
    """(identifier, system name, matched text) of the first system-of-records identifier in the texts."""
    for text in texts:
        for m in _LONG_FORM.finditer(text or ""):
            comp = DHS_COMPONENTS.get(m.group("long").strip().lower())
            if comp:
                name = _TAIL.sub("", m.group("rest").strip(" ,:-")).strip(" ,:-") or None
                return f"DHS/{comp}-{m.group('num')}", name, m.group(0).strip()
        for m in _IDENTIFIER.finditer(text or ""):
            comp = m.group("abbr") or m.group("comp")
            identifier = f"{m.group('dept')}/{comp}-{m.group('num')}"
            name = _TAIL.sub("", m.group("rest").strip(" ,:-")).strip(" ,:-") or None
            return identifier, name, m.group(0).strip()
    return None, None, None


def classify(doc_type: str | None, title: str | None, abstract: str | None, action: str | None) -> str:
    """sorn | privacy_rule | privacy_notice: what kind of privacy document this is."""
    text = f"{title or ''} {action or ''} {abstract or ''}".lower()
    if (doc_type or "").lower() in {"rule", "proposed rule"}:
        return "privacy_rule"
    if "system of records" in text or "system-of-records" in text:
        return "sorn"
    return "privacy_notice"


URL_COLUMNS = ("html_url", "pdf_url", "body_html_url", "raw_text_url", "json_url")


class FederalRegisterDocumentItem(RegistryItem):
    """One document of the Federal Register API's documents search; fields from staging.sql."""

    staging_table = "stg_fr_documents"
    kind = "fr_document"
    derived = ("agency_names", "agency_slugs", "document_kind", "system_identifier", "system_name",
               "system_evidence")
    custom = ("docket_ids",)
    inputs = ("agencies",)  # the API's agency objects (name, slug, id, parent_id)

    def check(self, rec: dict[str, Any]) -> None:
        if not _DOC_NUMBER.match(rec["document_number"]):
            raise ParseError(f"document_number: not a document number: {rec['document_number'][:40]!r}")

    def finish(self, rec: dict[str, Any]) -> None:
        agencies = self.get("agencies") or []
        if not isinstance(agencies, list) or not all(isinstance(a, dict) for a in agencies):
            raise ParseError("agencies: not a list of agency objects")
        rec["agency_names"] = json.dumps([a.get("name") or a.get("raw_name") for a in agencies])
        rec["agency_slugs"] = json.dumps([a.get("slug") for a in agencies if a.get("slug")])
        dockets = self.get("docket_ids") or []
        rec["docket_ids"] = json.dumps([str(d) for d in dockets] if isinstance(dockets, list) else [str(dockets)])
        for f in URL_COLUMNS:
            if rec[f] and not re.match(r"^https?://", rec[f]):
                rec[f] = None
        rec["document_kind"] = classify(rec["type"], rec["title"], rec["abstract"], rec["action"])
        rec["system_identifier"], rec["system_name"], rec["system_evidence"] = extract_system(
            rec["title"], rec["abstract"])
