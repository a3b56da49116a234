"""What a file is: title, version, document type and jurisdiction.

Explicit values win (CLI flags, front matter); otherwise they come from the
file name and folder: ``土地管理法(2019-08-26).md`` is title 土地管理法,
version 2019-08-26, type law.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ingest.models import DocType

_VERSION = re.compile(r"^(?P<title>.+?)[（(](?P<version>\d{4}-\d{2}-\d{2})[)）]$")
_PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_PROVINCE = re.compile(rf"^(?:{'|'.join(_PROVINCES)})")
_CITY_OR_COUNTY = re.compile(r"^([\u4e00-\u9fa5]{2,3}?)(?:市|县|自治州)")


def split_title_version(stem: str) -> tuple[str, str]:
    """``土地管理法(2019-08-26)`` → (``土地管理法``, ``2019-08-26``).

    Examples
    --------
    >>> split_title_version("土地管理法(2019-08-26)")
    ('土地管理法', '2019-08-26')
    >>> split_title_version("国土空间规划一张图建设指南(试行)")
    ('国土空间规划一张图建设指南(试行)', '')
    """
    m = _VERSION.match(stem.strip())
    return (m["title"].strip(), m["version"]) if m else (stem.strip(), "")


def infer_doc_type(title: str, path: Path) -> DocType:
    """Guess the document type from the title and folder names."""
    folders = "/".join(path.parts[:-1])
    if "司法解释" in folders or title.startswith("最高人民法院"):
        return DocType.REGULATION
    if re.search(r"(指南|规范|标准|规程|导则)", title):
        return DocType.STANDARD
    if re.search(r"规划(（|\(|文本|$)", title) and not title.endswith(("条例", "法")):
        return DocType.PLAN
    if re.search(r"(意见|通知|函|决议)$", title) or "policies" in folders:
        return DocType.POLICY
    if re.search(r"法$|法（|法\(", title):
        return DocType.LAW
    if re.search(r"(条例|办法|规定|细则|决定|规则)", title):
        return DocType.REGULATION
    return DocType.POLICY


def jurisdiction_of(title: str) -> str:
    """The province, city or county a local document belongs to ('' for national).

    Examples
    --------
    >>> jurisdiction_of("广东省土地管理条例"), jurisdiction_of("杭州市城乡规划条例"), jurisdiction_of("城市房地产管理法")
    ('广东', '杭州', '')
    """
    if m := _PROVINCE.match(title):
        return m.group(0)
    if m := _CITY_OR_COUNTY.match(title):
        return m.group(1)
    return ""


def doc_id_for(title: str, version: str) -> str:
    """Stable id of a document version."""
    return hashlib.sha1(f"{title}\x1f{version}".encode()).hexdigest()[:16]
