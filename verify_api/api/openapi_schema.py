"""How wire structs appear in the OpenAPI document, where Litestar's default says less than msgspec enforces.

A request struct with `forbid_unknown_fields=True` refuses a member it does not declare (400), so its schema says
`additionalProperties: false`; otherwise a client (or schemathesis) reading the document would expect extra members
to be accepted. Litestar's own struct schema plugin does everything else; this one runs first (app plugins precede
the built-in ones) and only adds that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema
