"""How wire structs appear in the OpenAPI document, where Litestar's default says less than msgspec enforces.

A request struct with `forbid_unknown_fields=True` refuses a member it does not declare (400), so its schema says
`additionalProperties: false`; otherwise a client (or schemathesis) reading the document would expect extra members
to be accepted. Litestar's own struct schema plugin does everything else; this one runs first (app plugins precede
the built-in ones) and only adds that, and one more thing: a closed set of codes declared as an enum on a field that
may be null (`Annotated[str, schemas.code_of(...)] | None`) gets null in its enum, since JSON Schema's `enum` applies
to the null branch of the `oneOf` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import OpenAPIType, Schema

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        for member in (schema.properties or {}).values():
            if isinstance(member, Schema) and member.enum is not None and None not in member.enum and _nullable(member):
                member.enum = [*member.enum, None]
        return schema


def _nullable(schema: Schema) -> bool:
    return any(isinstance(arm, Schema) and arm.type == OpenAPIType.NULL for arm in schema.one_of or ())
