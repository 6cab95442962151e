"""What masking the complainant's identity in free text costs (issue 18).

Two places pay for it: the bulk demo load builds ``search_text`` for every case
(:func:`mask_text_values`, cheap test first), and a list page for a role without the identity
right masks each row's summary (:func:`masker_from_values`, one regular expression per row).
Both are timed beside a baseline measured in the same run: the same loop without masking.

    .venv/bin/python benchmarks/bench_identity_mask.py [--cases 200000]
"""

from __future__ import annotations

import argparse
import random
import time

from effdesk.services.complaints.privacy import mask_text_values, masker_from_values

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
TEXTS = [
    "反映{unit}窗口工作人员服务态度生硬，推诿扯皮，让群众来回跑了三趟",
    "{unit}办理不动产登记超过承诺时限仍未办结，多次催问无果",
    "来电人称在{unit}办事时工作人员上班时间玩手机，无人理睬",
]
UNITS = ["县公安局", "县市场监督管理局", "县自然资源局", "城关镇人民政府", "县人社局"]


def cases(n: int, leak_share: float) -> list[tuple[str, str, str, str]]:
    rng = random.Random(18)
    out = []
    for _ in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = (
            "1"
            + "".join(rng.choice("3456789") for _ in range(1))
            + "".join(rng.choice("0123456789") for _ in range(9))
        )
        text = rng.choice(TEXTS).format(unit=rng.choice(UNITS))
        if rng.random() < leak_share:
            text = f"{name}（{phone[:3]} {phone[3:7]} {phone[7:]}）来电" + text
        out.append((f"效投2026-{rng.randint(1, 99999):05d} {text} 县公安局", name, phone, ""))
    return out


def timed(label: str, fn: object, rows: list[tuple[str, str, str, str]]) -> float:
    start = time.perf_counter()
    fn(rows)  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label:<52} {seconds:7.3f} s  {seconds / len(rows) * 1e6:6.2f} µs/case")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    args = parser.parse_args()
    rows = cases(args.cases, leak_share=0.02)
    page = cases(50, leak_share=0.5)

    def baseline(rs: list[tuple[str, str, str, str]]) -> None:
        for text, *_ in rs:
            " ".join(p for p in text.split(" ") if p)

    def bulk(rs: list[tuple[str, str, str, str]]) -> None:
        for text, name, phone, company in rs:
            mask_text_values(" ".join(p for p in text.split(" ") if p), name, phone, company)

    def list_page(rs: list[tuple[str, str, str, str]]) -> None:
        for text, name, phone, company in rs:
            masker_from_values(name, phone, company)(text)

    print(f"{args.cases:,} cases, 2 % with the caller's name and phone typed into the summary")
    base = timed("baseline: build search_text, no masking", baseline, rows)
    masked = timed("build search_text, identity masked (demo bulk load)", bulk, rows)
    print(f"{'extra per million cases':<52} {(masked - base) / args.cases * 1e6:7.1f} s")
    start = time.perf_counter()
    for _ in range(200):
        list_page(page)
    per_page = (time.perf_counter() - start) / 200
    print(f"{'a 50-row list page masked for an inspector':<52} {per_page * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
