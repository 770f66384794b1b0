"""Fictional Chinese names for the demo district: streets, towns, communities, villages, facilities
and people. The word lists are ordinary characters combined at random; none of the results is meant
to name a real place or person, and the real sub-district names around Zhengzhou are excluded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from envgrid.demo.rng import SeededRandom

#: Real sub-district, town and village names in and around Zhengzhou's high-tech zone and the
#: neighbouring districts; the demo never uses them, so nobody mistakes demo data for real data.
REAL_PLACE_NAMES = frozenset(
    {
        "枫杨",
        "梧桐",
        "石佛",
        "沟赵",
        "须水",
        "双桥",
        "大石桥",
        "刘寨",
        "柳林",
        "马寨",
        "侯寨",
        "古荥",
        "圃田",
        "南曹",
        "祭城",
        "白沙",
        "杨桥",
        "庙李",
        "樱桃沟",
        "花园口",
        "龙湖",
        "如意湖",
        "龙子湖",
        "老鸦陈",
        "二里岗",
        "南关",
        "林山寨",
        "三官庙",
        "蜜蜂张",
        "五里堡",
        "九龙",
        "豫兴",
        "金光",
        "西流湖",
        "绿东村",
        "凤凰台",
        "杜岭",
        "新城",
    }
)

#: Urban sub-districts (街道) first take these stems, then random pairs of the two lists below.
STREET_STEMS = ("翠湖", "云溪", "明澜", "锦湾", "青岚", "澄园", "星桥", "碧川")
#: Towns (镇) likewise.
TOWN_STEMS = ("石桥", "柳湾", "荷塘", "杏坡", "桑园", "芦岗", "榆溪", "麦庄")
_PLACE_FIRST = "翠云明锦青澄星碧瑞嘉和景荷杏桑芦榆麦松竹梅兰桂泉"
_PLACE_SECOND = "湖溪澜湾岚园川苑峰洲塘坡岗庄泉滩"

_COMMUNITY_FIRST = "锦康瑞祥兴丰安福嘉华荷桂兰竹松梅杏桃柳碧景文书润泽惠宁泰和颐雅怡"
_COMMUNITY_SECOND = "苑园庭居坊里府湾城轩华邸院"
_VILLAGE_SURNAMES = "张王李赵陈杨黄周吴徐孙马朱胡郭何高罗郑梁谢宋唐韩冯邓曹彭田董袁潘蒋蔡杜程魏吕丁沈姚卢崔"
_VILLAGE_SUFFIXES = "庄寨营岗洼楼店河沟坡屯集桥湾堂"

#: Common surnames and given-name characters; names are drawn from them, never from a list of people.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_CHARACTERS = "".join(
    dict.fromkeys(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文斌宇浩凯晨阳欣怡佳琪思雨梓涵子轩"
        "博文睿泽宏志海波国庆春梅晓东立新振兴少华永红卫东丹亮俊峰雪梅宁荣鑫磊瑶璐昊天一鸣嘉诚若曦"
    )
)
MOBILE_PREFIXES = ("138", "139", "150", "151", "152", "158", "159", "186", "187", "188", "135", "136", "137")

#: Facilities that get a dedicated grid (专属网格): parks, schools, hospitals, industrial parks…
FACILITIES = (
    "湿地公园",
    "中学",
    "人民医院",
    "科技产业园",
    "职业技术学院",
    "物流园",
    "小学",
    "创新创业园",
    "体育公园",
    "行政服务中心",
)


def _pairs(rng: SeededRandom, first: str, second: str) -> Iterator[str]:
    """Every two-character combination of the lists, in random order."""
    yield from rng.shuffled([a + b for a in first for b in second if a != b])


def unique_stems(rng: SeededRandom, count: int, preferred: Sequence[str], first: str, second: str, used: set[str]):
    """``count`` stems not yet in ``used``: the preferred ones first, then random pairs; adds them to ``used``."""
    stems: list[str] = []
    for stem in [*preferred, *_pairs(rng, first, second)]:
        if len(stems) == count:
            break
        if stem not in used and stem not in REAL_PLACE_NAMES:
            stems.append(stem)
            used.add(stem)
    if len(stems) < count:
        raise ValueError(f"only {len(stems)} distinct names available, {count} asked")
    return stems


def street_stems(rng: SeededRandom, count: int, used: set[str]) -> list[str]:
    return unique_stems(rng, count, STREET_STEMS, _PLACE_FIRST, _PLACE_SECOND, used)


def town_stems(rng: SeededRandom, count: int, used: set[str]) -> list[str]:
    return unique_stems(rng, count, TOWN_STEMS, _PLACE_FIRST, _PLACE_SECOND, used)


def community_stems(rng: SeededRandom, count: int, used: set[str]) -> list[str]:
    return unique_stems(rng, count, (), _COMMUNITY_FIRST, _COMMUNITY_SECOND, used)


def village_stems(rng: SeededRandom, count: int, used: set[str]) -> list[str]:
    return unique_stems(rng, count, (), _VILLAGE_SURNAMES, _VILLAGE_SUFFIXES, used)


class PersonNamer:
    """Draws distinct fictional people: a Chinese name and an 11-digit mobile number."""

    def __init__(self, rng: SeededRandom):
        self._rng = rng
        self._names: set[str] = set()
        self._phones: set[str] = set()

    def name(self) -> tuple[str, str]:
        """(surname, given name), never repeating a full name already drawn."""
        while True:
            surname = self._rng.choice(SURNAMES)
            given = "".join(self._rng.choice(GIVEN_CHARACTERS) for _ in range(self._rng.randint(1, 2)))
            if surname + given not in self._names:
                self._names.add(surname + given)
                return surname, given

    def phone(self) -> str:
        while True:
            phone = self._rng.choice(MOBILE_PREFIXES) + self._rng.digits(8)
            if phone not in self._phones:
                self._phones.add(phone)
                return phone
