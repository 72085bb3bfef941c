"""Reading Bot API parameters from query strings, forms, multipart bodies and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to one request's parameters; form values are strings or JSON text."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        """Collect query-string, form, multipart and JSON parameters of a request."""
        values: dict[str, object] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return cls(values)
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            values.update(body)
            return cls(values)
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                values[name] = Upload(value.filename, value.content_type, data)
            else:
                values[name] = value if isinstance(value, str) else value.decode()
        return cls(values)

    def has(self, name: str) -> bool:
        """Tell whether a parameter was given and is not an empty string."""
        return self._values.get(name) not in (None, "")

    def raw(self, name: str) -> object:
        """Return a parameter as received."""
        return self._values.get(name)

    def get_str(self, name: str) -> str | None:
        """Return a string parameter (numbers are turned into text)."""
        value = self._values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad_request(f'field "{name}" must be of type String')

    def get_int(self, name: str) -> int | None:
        """Return an integer parameter."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Integer')

    def get_float(self, name: str) -> float | None:
        """Return a number parameter."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f'field "{name}" must be of type Float')

    def get_bool(self, name: str) -> bool:
        """Return a boolean parameter; absent means false."""
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return False
        if isinstance(value, str) and value.lower() in {"true", "1", "false", "0"}:
            return value.lower() in {"true", "1"}
        if isinstance(value, int):
            return value != 0
        raise bad_request(f'field "{name}" must be of type Boolean')

    def get_json(self, name: str) -> object:
        """Return a parameter that form requests carry as JSON-encoded text."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            decoded: object = json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
        return decoded

    def required_int(self, name: str) -> int:
        """Return an integer parameter, failing with `<name> is empty` when missing."""
        value = self.get_int(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value
