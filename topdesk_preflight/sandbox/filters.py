"""``GET /operators/id/{id}/filters/branch``: the branch filters linked to an operator (audit §3.4).

Supporting files 2.7.11: 200 ``[FilterDto]`` (``{id, name, applicable}``), 204 "No entities found", 400 for an
id that cannot be parsed, 403 "No permission to see the requested operator." / "No permission to see
filters.", 404 "The operator could not be found"; every error body is ``[{"message": …}]``. "With read
permission on operators and filters": the sandbox has no separate filters permission, so operators read
stands for both [I]. Served under every profile; only ``branch_filter`` (profiles.py) gives the service
operator a filter, elsewhere it answers 204.
"""

from __future__ import annotations

from topdesk_preflight.sandbox.calls import Call, parse_uuid
from topdesk_preflight.sandbox.responses import Refusal, Response, json_response, message, no_content


def operator_branch_filters(call: Call) -> Response:
    call.require_operator()
    raw = call.parts[0]
    wanted = parse_uuid(raw)
    if wanted is None:
        raise Refusal(message(400, 'The value for the field "id" cannot be parsed.'))
    call.require("operators.read", message(403, "No permission to see the requested operator."))
    operator = next((o for o in call.state.operators if o.id == wanted), None)
    if operator is None:
        raise Refusal(message(404, "The operator could not be found"))
    if not operator.branch_filters:
        return no_content()
    return json_response([{"id": f.id, "name": f.name, "applicable": f.applicable}
                          for f in operator.branch_filters])
