"""The regulation reader: Liquibase XML changelogs with ``ext:`` tags → ``schemas.Regulation``.

``read_regulation(path)`` never raises for bad input; problems come back as diagnostics
(``codegen.reader.codes.CODES`` lists them). ``parse_xml(path)`` is the hardened XML parser."""

from codegen.reader.codes import CODES
from codegen.reader.reader import read_regulation
from codegen.reader.xml import XmlReadError, parse_xml

__all__ = ["CODES", "XmlReadError", "parse_xml", "read_regulation"]
