"""Realistic Advisor exports built in code (tests, benchmarks, screenshots, the sample file).

Deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# The committed sample exports: November, and October (the baseline of changes).
CURRENT_SAMPLE = (SAMPLES / "advisor-export-sample.csv").read_bytes()
PREVIOUS_SAMPLE = (SAMPLES / "advisor-export-sample-previous.csv").read_bytes()

HEADER_17 = [
    "Category", "Business Impact", "Recommendation", "Subscription ID", "Subscription Name",
    "Resource Group", "Resource Name", "Type", "Updated Date", "Potential benefits",
    "Potential Annual Cost Savings", "Potential Cost Savings Currency",
    "Potential carbon reductions", "Cost implications (Preview)", "Description of changes",
    "Retirement date", "Retiring feature",
]
HEADER_14 = [h for h in HEADER_17 if h not in (
    "Potential carbon reductions", "Cost implications (Preview)", "Description of changes")]
HEADER_13 = [
    "Business Impact", "Recommendation", "Subscription ID", "Subscription Name",
    "Resource Group", "Resource Name", "Type", "Updated Date", "Potential benefits",
    "Cost implications (Preview)", "Description of changes", "Retirement date",
    "Retiring feature",
]
HEADER_API = ["Category", "Impact", "Problem", "Solution", "Impacted Field", "Impacted Value",
              "Resource ID", "Recommendation Type ID", "Subscription ID", "Last Updated"]

SUBSCRIPTIONS = [
    ("3f2a1b4c-0000-4000-8000-000000000001", "Contoso Production"),
    ("3f2a1b4c-0000-4000-8000-000000000002", "Zürich-Prod"),
    ("3f2a1b4c-0000-4000-8000-000000000003", "Sandbox (Ω)"),
    ("3f2a1b4c-0000-4000-8000-000000000004", "Тестовая подписка"),
]
CATALOGUE = {
    "Cost": [
        ("Right-size or shutdown underutilized virtual machines",
         "Microsoft.Compute/virtualMachines", "vm"),
        ("Buy reserved virtual machine instances to save money over pay-as-you-go costs",
         "Microsoft.Compute/virtualMachines", "vm"),
        ("Consider App Service reserved instances to save over your on-demand costs",
         "Microsoft.Web/serverFarms", "plan"),
        ("Purchase a compute savings plan for consistent usage", "Subscription", ""),
        ("Delete unattached managed disks", "Microsoft.Compute/disks", "disk"),
    ],
    "Security": [
        ("Storage accounts should restrict network access", "Microsoft.Storage/storageAccounts",
         "st"),
        ("Key vaults should have soft delete and purge protection enabled",
         "Microsoft.KeyVault/vaults", "kv"),
        ("Machines should have a vulnerability assessment solution",
         "Microsoft.Compute/virtualMachines", "vm"),
        ("MFA should be enabled on accounts with owner permissions", "Subscription", ""),
    ],
    "HighAvailability": [
        ("Use Availability zones for better resiliency and availability",
         "Microsoft.Compute/virtualMachines", "vm"),
        ("Enable soft delete for your Recovery Services vaults",
         "Microsoft.RecoveryServices/vaults", "rsv"),
        ("Upgrade Basic SKU public IP addresses to Standard SKU",
         "Microsoft.Network/publicIPAddresses", "pip"),
    ],
    "OperationalExcellence": [
        ("Create an Azure Service Health alert", "Subscription", ""),
        ("Upgrade to the latest version of the Azure Monitor agent",
         "Microsoft.Compute/virtualMachines", "vm"),
    ],
    "Performance": [
        ("Improve App Service performance and reliability by enabling health check",
         "Microsoft.Web/sites", "app"),
        ("Use Accelerated Networking on virtual machines",
         "Microsoft.Network/networkInterfaces", "nic"),
    ],
}
PORTAL_CATEGORY = {"HighAvailability": "Reliability",
                   "OperationalExcellence": "Operational Excellence"}
RETIREMENTS = [("2025-09-30", "Basic SKU public IP addresses"),
               ("2026-03-31", "Log Analytics agent (MMA)"),
               ("2026-09-30", "Classic Application Gateway v1")]


def build_rows(count: int, seed: int = 7, categories: Sequence[str] | None = None,
               currency: str = "USD") -> list[dict[str, str]]:
    """`count` recommendation rows as dicts keyed by the 17-column names (plus API fields)."""
    rng = random.Random(seed)
    kinds = list(categories or CATALOGUE)
    weights = [{"Cost": 3, "Security": 4, "HighAvailability": 3, "OperationalExcellence": 2,
                "Performance": 1}.get(k, 1) for k in kinds]
    rows = []
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        text, rtype, prefix = rng.choice(CATALOGUE[kind])
        sub_id, sub_name = SUBSCRIPTIONS[rng.randrange(len(SUBSCRIPTIONS))]
        impact = rng.choices(["High", "Medium", "Low"], [3, 4, 3])[0]
        area = rng.choice(["app", "data", "net", "shared", "ml"])
        group = "No resource group" if rtype == "Subscription" \
            else f"rg-{area}-{rng.randrange(1, 9):02d}"
        name = sub_name if rtype == "Subscription" else f"{prefix}-{n:05d}"
        benefits, savings, cur = "", "", ""
        if kind == "Cost":
            amount = rng.randrange(120, 9000)
            savings, cur = f"{amount:,}", currency
            benefits = f"{amount:,} {currency} savings"
        elif kind == "Security":
            benefits = "Reduce the attack surface"
        retirement, feature = "", ""
        if kind == "HighAvailability" and "Basic SKU" in text:
            retirement, feature = RETIREMENTS[0]
        elif kind == "OperationalExcellence" and "agent" in text:
            retirement, feature = RETIREMENTS[1]
        rows.append({
            "Category": PORTAL_CATEGORY.get(kind, kind), "ApiCategory": kind,
            "Business Impact": impact, "Recommendation": text,
            "Subscription ID": sub_id, "Subscription Name": sub_name,
            "Resource Group": group, "Resource Name": name, "Type": rtype,
            "Updated Date": f"2026-11-{rng.randrange(1, 20):02d}T"
                            f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
            "Potential benefits": benefits, "Potential Annual Cost Savings": savings,
            "Potential Cost Savings Currency": cur, "Potential carbon reductions": "",
            "Cost implications (Preview)": "", "Description of changes": "",
            "Retirement date": retirement, "Retiring feature": feature,
        })
    return rows


def to_csv(rows: list[dict[str, str]], header: Sequence[str] = HEADER_17,
           delimiter: str = ",", encoding: str = "utf-8-sig", sep_line: bool = False,
           line_terminator: str = "\r\n") -> bytes:
    out = io.StringIO(newline="")
    if sep_line:
        out.write(f"sep={delimiter}{line_terminator}")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_terminator)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_api_value(row, h) for h in header])
    return out.getvalue().encode(encoding)


def _api_value(row: dict[str, str], column: str) -> str:
    if column in row:
        return row[column]
    api = {
        "Impact": row["Business Impact"], "Problem": row["Recommendation"],
        "Solution": "Follow the steps in the Advisor recommendation.",
        "Impacted Field": row["Type"], "Impacted Value": row["Resource Name"],
        "Resource ID": "", "Recommendation Type ID": "e10b1381-5f0a-47ff-8c7b-37bd13d7c974",
        "Last Updated": row["Updated Date"],
    }
    if column == "Category":
        return row["ApiCategory"]
    return api[column]


def sample_export(count: int = 60, **kwargs) -> bytes:
    """A 17-column portal export as Azure writes it (UTF-8 with BOM, CRLF)."""
    return to_csv(build_rows(count, **kwargs))
