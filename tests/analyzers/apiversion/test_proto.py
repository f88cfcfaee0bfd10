"""Protocol Buffers compared by field number: what breaks a reader on the other version during a
rollout, and the wire-compatible edits (reserved numbers, renames, new fields) that must stay
silent. Scripted git repositories, the .proto files parsed by proto-schema-parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_apiversion import _diff
from .test_refs_and_moves import _replace

ORDERS_V1 = """syntax = "proto3";
package shop.v1;

message OrderPaid {
  reserved 20;
  int64 order_id = 1;
  double amount = 2;
  optional string coupon = 3;
  repeated string tags = 4;
  Status status = 5;
  oneof payer {
    string email = 6;
    int64 user_id = 7;
  }
  message Line {
    string sku = 1;
    int32 quantity = 2;
  }
  repeated Line lines = 8;
}

enum Status {
  STATUS_UNKNOWN = 0;
  STATUS_PAID = 1;
  STATUS_REFUNDED = 2;
}

message Refund {
  int64 refund_id = 1;
}

service Orders {
  rpc Pay(OrderPaid) returns (OrderPaid);
  rpc Refund(Refund) returns (Refund);
}
"""
CASES = [
    ("  double amount = 2;\n", "", "api.field-removed", "field 'amount' = 2 removed without reserving"),
    (
        "  int64 order_id = 1;\n",
        "  string order_id = 1;\n",
        "api.type-changed",
        "field 'order_id' = 1: int64 -> string",
    ),
    (
        "  double amount = 2;\n",
        "  int64 total = 2;\n",
        "api.type-changed",
        "field 'amount' = 2 (now 'total')",
    ),
    (
        "  repeated string tags = 4;\n",
        "  string tags = 4;\n",
        "api.type-changed",
        "repeated string -> string",
    ),
    ("    int32 quantity = 2;\n", "", "api.field-removed", "field 'quantity' = 2 removed"),
    ("    int64 user_id = 7;\n", "", "api.field-removed", "field 'user_id' = 7 removed"),
    ("  STATUS_REFUNDED = 2;\n", "", "api.enum-narrowed", "value 'STATUS_REFUNDED' = 2 removed"),
    ("message Refund {\n  int64 refund_id = 1;\n}\n", "", "api.field-removed", "message Refund removed"),
    ("  rpc Refund(Refund) returns (Refund);\n", "", "api.endpoint-removed", "rpc Orders.Refund removed"),
    (
        "rpc Pay(OrderPaid) returns (OrderPaid)",
        "rpc Pay(OrderPaid) returns (Refund)",
        "api.type-changed",
        "rpc Orders.Pay",
    ),
]
COMPATIBLE = [
    ("  double amount = 2;\n", '  reserved 2;\n  reserved "amount";\n'),  # removed and reserved
    ("  STATUS_REFUNDED = 2;\n", "  reserved 2;\n"),
    ("  double amount = 2;\n", "  double total = 2;\n"),  # a rename keeps the number and type
    ("  repeated Line lines = 8;\n", "  repeated Line lines = 8;\n  string note = 9;\n"),
    ("  STATUS_REFUNDED = 2;\n", "  STATUS_REFUNDED = 2;\n  STATUS_DISPUTED = 3;\n"),
    (
        "  rpc Refund(Refund) returns (Refund);\n",
        "  rpc Refund(Refund) returns (Refund);\n  rpc Void(Refund) returns (Refund);\n",
    ),
    ("  reserved 20;\n", "  reserved 20;\n  // a comment\n"),
]


@pytest.mark.parametrize(("old", "new", "rule", "said"), CASES)
def test_breaking_proto_change(tmp_path: Path, old: str, new: str, rule: str, said: str) -> None:
    assert old in ORDERS_V1
    result = _diff(
        tmp_path, {"proto/orders.proto": ORDERS_V1}, {"proto/orders.proto": ORDERS_V1.replace(old, new)}
    )
    assert [f.rule_id for f in result.findings] == [rule], [f.message for f in result.findings]
    finding = result.findings[0]
    assert said in finding.message and "gRPC clients" in finding.message
    assert dict(finding.properties)["schema_kind"] == "protobuf"


@pytest.mark.parametrize(("old", "new"), COMPATIBLE)
def test_compatible_proto_change_is_silent(tmp_path: Path, old: str, new: str) -> None:
    assert old in ORDERS_V1
    result = _diff(
        tmp_path, {"proto/orders.proto": ORDERS_V1}, {"proto/orders.proto": ORDERS_V1.replace(old, new)}
    )
    assert not result.findings, [f.message for f in result.findings]


def test_finding_points_at_the_field(tmp_path: Path) -> None:
    result = _diff(
        tmp_path,
        {"proto/orders.proto": ORDERS_V1},
        {"proto/orders.proto": ORDERS_V1.replace("  int64 order_id = 1;\n", "  string order_id = 1;\n")},
    )
    assert result.findings[0].location.line == 6


def test_proto2_required_field_added(tmp_path: Path) -> None:
    v1 = 'syntax = "proto2";\nmessage Ping {\n  optional int32 seq = 1;\n}\n'
    v2 = v1.replace(
        "  optional int32 seq = 1;\n", "  optional int32 seq = 1;\n  required string origin = 2;\n"
    )
    result = _diff(tmp_path, {"ping.proto": v1}, {"ping.proto": v2})
    assert [f.rule_id for f in result.findings] == ["api.required-added"]
    assert result.findings[0].location.line == 4


def test_unparsable_proto_is_recorded_quietly(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = _diff(tmp_path, {"ping.proto": ORDERS_V1}, {"ping.proto": "message { int32 = ; }\n"})
    assert not result.findings
    assert [(n.path, n.detail.startswith("schema does not parse: line 1")) for n in result.not_analysed] == [
        ("ping.proto", True)
    ]
    assert "extraneous input" not in capfd.readouterr().err  # ANTLR's own printing is silenced


def test_moved_and_removed_proto_files(tmp_path: Path) -> None:
    changed = ORDERS_V1.replace("  double amount = 2;\n", "")
    (tmp_path / "a").mkdir()
    moved = _replace(tmp_path / "a", {"proto/orders.proto": ORDERS_V1}, {"api/shop/v1/orders.proto": changed})
    assert [(f.rule_id, f.location.path) for f in moved.findings] == [
        ("api.field-removed", "api/shop/v1/orders.proto")
    ]
    assert "(document moved from proto/orders.proto)" in moved.findings[0].message
    (tmp_path / "b").mkdir()
    removed = _replace(tmp_path / "b", {"proto/orders.proto": ORDERS_V1}, {})
    assert [f.rule_id for f in removed.findings] == ["api.endpoint-removed"]
    assert "4 message(s)/enum(s) and 2 rpc(s)" in removed.findings[0].message
