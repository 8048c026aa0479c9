"""Messages and tool definitions from every layout the conventions use, into the OpenAI chat shape.

A fixture holds messages as OpenAI Chat Completions messages (``model/messages.py``). The sources use four
layouts: the GenAI semconv *parts* (``{"role", "parts": [{"type": "text" | "tool_call" | ...}]}``), the
flattened attributes of OpenInference and OpenLLMetry (grouped by the caller, then given here as dicts), the
older GenAI *events* (one record per message), and raw provider JSON. Every converter returns ``None`` when
its input does not have the shape it expects, so that the caller keeps the attribute as recorded rather than
writing a half-converted message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from ._json import MISSING, dumps, json_or_text, parse_json_text

Message = dict[str, Any]

_ROLES: Final = {
    "system": "system",
    "developer": "developer",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}


def role_of(value: Any) -> str | None:
    """The OpenAI role for a recorded role name, ``None`` when it has no equivalent."""
    return _ROLES.get(value.lower()) if isinstance(value, str) else None


def decoded(value: Any) -> Any:
    """A structured value: JSON text decoded (spans), or the value itself (log records hold structures)."""
    if isinstance(value, str):
        return parse_json_text(value)
    return value


def arguments_text(value: Any) -> str | None:
    """Tool-call arguments as JSON text: text stays as the model wrote it, a structure is encoded."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return dumps(value)


def tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any] | None:
    """One OpenAI tool call; ``None`` without a name."""
    if not isinstance(name, str):
        return None
    call: dict[str, Any] = {}
    if isinstance(call_id, str) and call_id:
        call["id"] = call_id
    call["type"] = "function"
    call["function"] = {"name": name, "arguments": arguments_text(arguments) or ""}
    return call


def _content(value: Any) -> tuple[bool, Any]:
    """Message content as OpenAI accepts it: text, ``None``, or a list of part objects."""
    if value is None or isinstance(value, str):
        return True, value
    if isinstance(value, list) and all(isinstance(part, Mapping) for part in value):
        return True, [dict(part) for part in value]
    if isinstance(value, Mapping):
        return True, [dict(value)]
    return False, None


def openai_message(raw: Any) -> Message | None:
    """A message already close to the OpenAI shape (provider JSON, Langfuse, OpenInference request bodies)."""
    if not isinstance(raw, Mapping):
        return None
    role = role_of(raw.get("role"))
    if role is None:
        return None
    message: Message = {"role": role}
    ok, content = _content(raw.get("content"))
    if not ok:
        return None
    if content is not None:
        message["content"] = content
    if isinstance(raw.get("name"), str):
        message["name"] = raw["name"]
    calls = raw.get("tool_calls")
    if calls:
        if not isinstance(calls, list):
            return None
        converted = []
        for call in calls:
            if not isinstance(call, Mapping):
                return None
            function = call.get("function")
            if isinstance(function, Mapping):
                item = tool_call(call.get("id"), function.get("name"), function.get("arguments"))
            else:
                item = tool_call(call.get("id"), call.get("name"), call.get("arguments"))
            if item is None:
                return None
            converted.append(item)
        message["tool_calls"] = converted
    call_id = raw.get("tool_call_id")
    if isinstance(call_id, str):
        message["tool_call_id"] = call_id
    return message


def openai_messages(raw: Any) -> list[Message] | None:
    """A list of OpenAI-shaped messages, or ``None`` if any of them is not one."""
    if not isinstance(raw, list):
        return None
    messages = [openai_message(item) for item in raw]
    if any(message is None for message in messages):
        return None
    return [m for m in messages if m is not None]


def _part_text(part: Mapping[str, Any]) -> str | None:
    content = part.get("content", part.get("text"))
    return content if isinstance(content, str) else None


def _response_text(value: Any) -> Any:
    """A tool response part's payload as message content (text; structures as JSON text)."""
    if value is None or isinstance(value, str):
        return value
    return dumps(value)


def parts_message(raw: Any) -> list[Message] | None:
    """One semconv parts message; tool responses become separate ``tool`` messages, as OpenAI has them."""
    if not isinstance(raw, Mapping):
        return None
    role = role_of(raw.get("role"))
    parts = raw.get("parts")
    if role is None or not isinstance(parts, list):
        return None
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    responses: list[Message] = []
    for part in parts:
        if not isinstance(part, Mapping):
            return None
        kind = part.get("type")
        if kind == "text":
            text = _part_text(part)
            if text is None:
                return None
            content.append({"type": "text", "text": text})
        elif kind == "tool_call":
            call = tool_call(part.get("id"), part.get("name"), part.get("arguments"))
            if call is None:
                return None
            calls.append(call)
        elif kind == "tool_call_response":
            response: Message = {"role": "tool"}
            if isinstance(part.get("id"), str):
                response["tool_call_id"] = part["id"]
            text = _response_text(part.get("response", part.get("result")))
            if text is not None:
                response["content"] = text
            responses.append(response)
        else:  # reasoning, blob, uri, file, ...: kept as the part it is
            content.append(dict(part))
    messages: list[Message] = []
    if content or calls or not responses:
        message: Message = {"role": "tool" if role == "tool" and not responses else role}
        if content:
            only_text = all(p.get("type") == "text" and set(p) == {"type", "text"} for p in content)
            message["content"] = content[0]["text"] if only_text and len(content) == 1 else content
        if isinstance(raw.get("name"), str):
            message["name"] = raw["name"]
        if calls:
            message["tool_calls"] = calls
        messages.append(message)
    messages.extend(responses)
    return messages


def parts_messages(value: Any) -> list[Message] | None:
    """``gen_ai.input.messages`` (JSON text on spans, a structure in log records) as OpenAI messages."""
    raw = decoded(value)
    if not isinstance(raw, list):
        return None
    messages: list[Message] = []
    for item in raw:
        converted = parts_message(item)
        if converted is None:
            return None
        messages.extend(converted)
    return messages


def parts_response(value: Any) -> tuple[Message | None, str | None, int]:
    """``gen_ai.output.messages``: the first choice, its finish reason, and how many choices there were."""
    raw = decoded(value)
    if not isinstance(raw, list) or not raw:
        return None, None, 0
    first = raw[0]
    converted = parts_message(first)
    if not converted or len(converted) != 1:
        return None, None, len(raw)
    reason = first.get("finish_reason") if isinstance(first, Mapping) else None
    return converted[0], reason if isinstance(reason, str) else None, len(raw)


def system_message(value: Any) -> Message | None:
    """``gen_ai.system_instructions`` (a list of parts) as one system message."""
    raw = decoded(value)
    if isinstance(raw, str):
        return {"role": "system", "content": raw}
    converted = parts_message({"role": "system", "parts": raw}) if isinstance(raw, list) else None
    if not converted or len(converted) != 1:
        return None
    return converted[0]


def _definition(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping):
        return None
    nested = raw.get("function")
    function: Mapping[str, Any] = nested if isinstance(nested, Mapping) else raw
    name = function.get("name")
    if not isinstance(name, str):
        return None
    result: dict[str, Any] = {"name": name}
    if isinstance(function.get("description"), str):
        result["description"] = function["description"]
    parameters = function.get(
        "parameters", function.get("parameters_json_schema", function.get("input_schema"))
    )
    if isinstance(parameters, str):
        parameters = parse_json_text(parameters)
    if isinstance(parameters, Mapping):
        result["parameters"] = dict(parameters)
    elif parameters is not None and parameters is not MISSING:
        return None
    if isinstance(function.get("strict"), bool):
        result["strict"] = function["strict"]
    return {"type": "function", "function": result}


def tool_definitions(value: Any) -> list[dict[str, Any]] | None:
    """Tools offered, from the OpenAI request shape or the flat semconv shape (``{"type", "name", ...}``)."""
    raw = decoded(value)
    if not isinstance(raw, list):
        return None
    tools = [_definition(item) for item in raw]
    if any(tool is None for tool in tools):
        return None
    return [t for t in tools if t is not None]


def tool_definition(value: Any) -> dict[str, Any] | None:
    """One tool offered (OpenInference's ``llm.tools.N.tool.json_schema``)."""
    return _definition(decoded(value))


_EVENT_ROLES: Final = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}


def event_message(name: str | None, body: Any) -> Message | None:
    """One GenAI v1.2x-1.30 message event (``gen_ai.user.message`` ...) as an OpenAI message."""
    converted = event_message_list(name, body)
    return converted[0] if converted is not None and len(converted) == 1 else None


def event_message_list(name: str | None, body: Any) -> list[Message] | None:
    """A message event as OpenAI messages: one, or several when its content blocks hold tool results."""
    role = _EVENT_ROLES.get(name or "")
    if role is None or not isinstance(body, Mapping):
        return None
    blocks = content_blocks(body.get("content"))
    if blocks is not None:
        recorded = role_of(body.get("role"))
        return blocks_messages(recorded if recorded is not None else role, blocks)
    raw = dict(body)
    raw["role"] = raw.get("role") or role
    if role == "tool" and "tool_call_id" not in raw and isinstance(raw.get("id"), str):
        raw["tool_call_id"] = raw["id"]
    if not isinstance(raw.get("content"), str | list | type(None)):
        raw["content"] = dumps(raw["content"])
    message = openai_message(raw)
    return [message] if message is not None else None


def event_choice(body: Any) -> tuple[Message | None, str | None]:
    """A ``gen_ai.choice`` event: the response message and its finish reason.

    The convention's ``message`` is a map; Strands Agents writes JSON text of its content blocks there
    (model calls) or the answer's plain text (agent runs).
    """
    if not isinstance(body, Mapping):
        return None, None
    reason = body.get("finish_reason")
    reason = reason if isinstance(reason, str) else None
    raw = body.get("message")
    if isinstance(raw, str):
        blocks = content_blocks(raw)
        if blocks is None:
            return {"role": "assistant", "content": raw}, reason
        converted = blocks_messages("assistant", blocks)
        return (converted[0] if converted is not None and len(converted) == 1 else None), reason
    raw = dict(raw) if isinstance(raw, Mapping) else {}
    raw.setdefault("role", "assistant")
    return openai_message(raw), reason


def event_messages(
    events: Iterable[tuple[str | None, Any]],
) -> tuple[list[Message], Message | None, str | None]:
    """Request messages, response and finish reason from a call's GenAI message events, in order."""
    messages: list[Message] = []
    response: Message | None = None
    reason: str | None = None
    for name, body in events:
        if name == "gen_ai.choice":
            if response is None:
                response, reason = event_choice(body)
            continue
        converted = event_message_list(name, body)
        if converted is not None:
            messages.extend(converted)
    return messages, response, reason


#: The keys of a Bedrock Converse / Strands Agents content block (each block has exactly one of them).
_BLOCK_KEYS: Final = frozenset(
    {
        "text",
        "toolUse",
        "toolResult",
        "json",
        "image",
        "document",
        "video",
        "reasoningContent",
        "cachePoint",
        "guardContent",
        "citationsContent",
        "interruptResponse",
    }
)


def content_blocks(value: Any) -> list[dict[str, Any]] | None:
    """Bedrock-style content blocks (``[{"text": ...}, {"toolUse": {...}}]``, as JSON text or a list) that
    Strands Agents records as message content; ``None`` for anything else."""
    raw = parse_json_text(value) if isinstance(value, str) else value
    if not isinstance(raw, list) or not raw:
        return None
    if not all(isinstance(block, Mapping) and len(block) == 1 and set(block) <= _BLOCK_KEYS for block in raw):
        return None
    return [dict(block) for block in raw]


def blocks_text(blocks: list[dict[str, Any]]) -> str | None:
    """The text of blocks that are all text (a tool result's content); ``None`` when any is not."""
    if not all(isinstance(block.get("text"), str) for block in blocks):
        return None
    return "".join(block["text"] for block in blocks)


def blocks_result(value: Any) -> Any:
    """A tool result's content blocks as the value the tool returned: the text of a single text block
    (JSON text holding an object or list decoded), the value of a single ``json`` block, else the blocks
    as recorded."""
    blocks = content_blocks(value)
    if blocks is None:
        return value
    if len(blocks) == 1 and "json" in blocks[0]:
        return blocks[0]["json"]
    joined = blocks_text(blocks)
    return blocks if joined is None else json_or_text(joined)


def _result_content(value: Any) -> Any:
    """A ``toolResult``'s content as tool-message content: its text, else JSON text of the blocks."""
    blocks = content_blocks(value)
    if blocks is not None:
        joined = blocks_text(blocks)
        if joined is not None:
            return joined
        if len(blocks) == 1 and "json" in blocks[0]:
            return dumps(blocks[0]["json"])
    return _response_text(value)


def blocks_messages(role: str, blocks: list[dict[str, Any]]) -> list[Message] | None:
    """Content blocks of one message as OpenAI messages: text and other blocks as content, ``toolUse`` as
    tool calls, each ``toolResult`` as a ``tool`` message of its own (the OpenAI shape)."""
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    responses: list[Message] = []
    for block in blocks:
        if isinstance(block.get("text"), str):
            content.append({"type": "text", "text": block["text"]})
        elif isinstance(block.get("toolUse"), Mapping):
            use = block["toolUse"]
            call = tool_call(use.get("toolUseId"), use.get("name"), use.get("input"))
            if call is None:
                return None
            calls.append(call)
        elif isinstance(block.get("toolResult"), Mapping):
            result = block["toolResult"]
            response: Message = {"role": "tool"}
            if isinstance(result.get("toolUseId"), str):
                response["tool_call_id"] = result["toolUseId"]
            text = _result_content(result.get("content"))
            if text is not None:
                response["content"] = text
            responses.append(response)
        else:  # images, documents, reasoning, ...: kept as the block it is
            content.append(dict(block))
    messages: list[Message] = []
    if content or calls or not responses:
        message: Message = {"role": "tool" if role == "tool" and not responses else role}
        if content:
            only_text = all(set(part) == {"type", "text"} and part["type"] == "text" for part in content)
            message["content"] = (
                "".join(part["text"] for part in content) if only_text and len(content) == 1 else content
            )
        if calls:
            message["tool_calls"] = calls
        messages.append(message)
    messages.extend(responses)
    return messages


def first_user_input(messages: list[Message]) -> Any:
    """The user's request in a conversation: the text when it is one text message, else those messages."""
    users: list[Message] = []
    for message in messages:
        if message.get("role") == "assistant":
            break
        if message.get("role") == "user":
            users.append(message)
    if len(users) == 1 and isinstance(users[0].get("content"), str):
        return users[0]["content"]
    return users or MISSING


def final_output(message: Message | None) -> Any:
    """The text of a final assistant message; the message itself when it is not plain text."""
    if message is None:
        return MISSING
    content = message.get("content")
    if isinstance(content, str) and not message.get("tool_calls"):
        return content
    return [message]


def conversation_input(messages: list[Message]) -> Any:
    """An agent's recorded input: the text of a single user message, else the whole message list."""
    if (
        len(messages) == 1
        and messages[0].get("role") == "user"
        and isinstance(messages[0].get("content"), str)
    ):
        return messages[0]["content"]
    return messages if messages else MISSING
