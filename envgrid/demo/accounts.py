"""The demo accounts (演示账号): one per role, all with the same password, for trying EnvGrid out."""

from __future__ import annotations

from typing import NamedTuple

from envgrid.core.choices import Role

DEMO_PASSWORD = "demo-pass-2026"


class DemoAccount(NamedTuple):
    username: str
    role: str
    description: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", Role.ADMIN.value, "系统管理员：维护单位、用户、网格、考核规则和设备，可进入后台管理"),
    DemoAccount("dispatcher", Role.DISPATCHER.value, "调度中心：看一张图，受理分拨问题线索，下发调度指令，核查结案"),
    DemoAccount(
        "unit_lead", Role.UNIT_LEAD.value, "生态环境分局负责人：签收案件和调度指令，审核本单位反馈，查看分包对象"
    ),
    DemoAccount("unit_staff", Role.UNIT_STAFF.value, "生态环境分局工作人员：办理案件，上传整改佐证材料，参加联合执法"),
    DemoAccount("grid_head", Role.GRID_HEAD.value, "网格长：管理本社区全部网格，现场核查整改情况"),
    DemoAccount("grid_member", Role.GRID_MEMBER.value, "网格员：用手机巡查本网格，拍照定位上报问题线索"),
    DemoAccount("river_chief", Role.RIVER_CHIEF.value, "街道级河长：巡河，上报“四乱”问题，跟踪断面水质"),
    DemoAccount("taskforce_lead", Role.TASKFORCE_LEAD.value, "专班负责人：跟踪攻坚任务和阶段进展"),
    DemoAccount("leader", Role.LEADER.value, "区领导（只读）：驾驶舱、排名、周调度报告和考核结果"),
)

DEMO_USERNAMES = frozenset(account.username for account in DEMO_ACCOUNTS)
