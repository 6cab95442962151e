"""Words of the demo county: names, units, posts and the phrases complaints and findings use.

Everything here is fictional. The county 青岚县 does not exist; persons are combinations of
common surnames and given names. The phrases follow the source texts (DOMAIN.md seeds): 办事拖拉,
门难进脸难看话难听, 吃拿卡要, 推诿扯皮, “中梗阻”, 上班时间玩游戏、吃早餐 …
"""

from __future__ import annotations

from dataclasses import dataclass

from effdesk.enums import AssessmentCategory, UnitKind

COUNTY = "青岚县"
OFFICE_NAME = f"{COUNTY}机关效能建设领导小组办公室"
OFFICE_SHORT = "县效能办"
AUTHORITY_MARK = f"{OFFICE_NAME}文件"
OFFICE_PHONE = "0839-7212345"
OFFICE_ADDRESS = f"{COUNTY}城关镇政府街88号"
AREA_CODE = "0839"
# The fictional county seat: evidence photos carry GPS positions around it.
CENTRE_LAT = 32.4
CENTRE_LON = 105.2
COMPLAINT_PREFIX = "青效投"
DOCUMENT_PREFIXES = {
    "circular": "青效办",
    "notice": "青效发",
    "warning_notice": "青效告",
    "rectification_notice": "青效改",
    "supervision_notice": "青效督",
    "reply_letter": "青效函",
    "bulletin": "青效简",
}
NEWSPAPER = f"{COUNTY}融媒体中心《民生热线》栏目"

# --------------------------------------------------------------------------- people

# Common surnames, roughly by frequency (the first ones are drawn more often).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARS_MALE = "伟强磊军勇杰涛斌超明辉刚健平波鹏华飞亮宇浩凯建国文俊峰志林成东海兵晨"
GIVEN_CHARS_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳洁红梅莉兰萍颖倩慧琴春晓佳丹蓉瑶桂英秀"

# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class UnitSpec:
    name: str
    short: str
    kind: UnitKind
    category: AssessmentCategory
    staff: str  # staff profile key (see POSTS)
    matters: str  # matters key (see MATTERS)
    weight: float = 1.0  # how often the public complains about it
    parent: str | None = None


D, T, W = UnitKind.DEPARTMENT, UnitKind.TOWN, UnitKind.WINDOW
E = UnitKind.ENTERPRISE
C1, C2, C3 = AssessmentCategory.FIRST, AssessmentCategory.SECOND, AssessmentCategory.THIRD

_DEPARTMENTS: list[tuple[str, str, str, str, float]] = [
    # (name, short, staff profile, matters, weight)
    ("县发展和改革局", "发改局", "bureau", "approval", 0.8),
    ("县教育局", "教育局", "bureau", "education", 1.6),
    ("县经济和信息化局", "经信局", "bureau", "generic", 0.5),
    ("县公安局", "公安局", "police", "police", 2.4),
    ("县民政局", "民政局", "bureau", "civil", 1.4),
    ("县司法局", "司法局", "bureau", "generic", 0.6),
    ("县财政局", "财政局", "bureau", "finance", 0.8),
    ("县人力资源和社会保障局", "人社局", "bureau", "hrss", 2.4),
    ("县自然资源局", "自然资源局", "bureau", "land", 2.0),
    ("县生态环境局", "生态环境局", "bureau", "env", 0.9),
    ("县住房和城乡建设局", "住建局", "bureau", "housing", 2.2),
    ("县交通运输局", "交通局", "bureau", "transport", 1.1),
    ("县水利局", "水利局", "bureau", "water_res", 0.6),
    ("县农业农村局", "农业农村局", "bureau", "agri", 1.3),
    ("县商务局", "商务局", "bureau", "generic", 0.6),
    ("县文化广播电视和旅游局", "文广旅局", "bureau", "culture", 0.6),
    ("县卫生健康局", "卫健局", "bureau", "health", 1.2),
    ("县退役军人事务局", "退役军人局", "bureau", "generic", 0.5),
    ("县应急管理局", "应急局", "bureau", "emergency", 0.6),
    ("县审计局", "审计局", "bureau", "generic", 0.3),
    ("县市场监督管理局", "市场监管局", "bureau", "market", 2.6),
    ("县统计局", "统计局", "bureau", "generic", 0.3),
    ("县医疗保障局", "医保局", "bureau", "medical", 2.0),
    ("县林业局", "林业局", "bureau", "forestry", 0.7),
    ("县综合行政执法局", "综合执法局", "bureau", "enforce", 2.0),
    ("县乡村振兴局", "乡村振兴局", "bureau", "agri", 0.7),
    ("县信访局", "信访局", "bureau", "generic", 0.5),
    ("县行政审批局", "行政审批局", "bureau", "approval", 1.5),
    ("国家税务总局青岚县税务局", "县税务局", "bureau", "tax", 1.6),
    ("县住房公积金管理中心", "公积金中心", "agency", "gjj", 1.0),
    ("县不动产登记中心", "不动产登记中心", "agency", "realestate", 2.6),
    ("县机关事务服务中心", "机关事务中心", "agency", "generic", 0.3),
    ("县档案馆", "档案馆", "hall", "archive", 0.3),
    ("县融媒体中心", "融媒体中心", "agency", "generic", 0.2),
    ("县投资促进局", "投促局", "bureau", "approval", 0.6),
    ("县供销合作社联合社", "供销社", "agency", "generic", 0.3),
    ("县残疾人联合会", "残联", "agency", "civil", 0.5),
    ("县疾病预防控制中心", "疾控中心", "agency", "health", 0.5),
    ("县公共资源交易中心", "公共资源交易中心", "agency", "approval", 0.5),
    ("县城市管理和园林绿化服务中心", "园林中心", "agency", "enforce", 0.4),
]
_POLICE_CHILDREN: list[tuple[str, str, str, str, float]] = [
    ("县公安局交通管理大队", "交警大队", "police", "traffic", 1.6),
    ("县公安局城关派出所", "城关派出所", "police", "police", 1.4),
    ("县公安局出入境管理大队", "出入境大队", "police", "police", 0.5),
]
_OTHER_CHILDREN: list[tuple[str, str, str, str, str, float]] = [
    # (parent, name, short, staff, matters, weight)
    ("县民政局", "县婚姻登记处", "婚姻登记处", "window", "marriage", 0.6),
    ("县自然资源局", "县自然资源局城关自然资源所", "城关自然资源所", "station", "land", 0.8),
    ("县农业农村局", "县动物疫病预防控制中心", "动物疫控中心", "station", "agri", 0.4),
    ("县人力资源和社会保障局", "县社会保险事业管理局", "社保局", "window", "hrss", 1.4),
    ("县人力资源和社会保障局", "县劳动保障监察大队", "劳动监察大队", "station", "wages", 1.0),
]

TOWNS: list[tuple[str, str]] = [
    ("城关镇", "镇"),
    ("清溪镇", "镇"),
    ("白石镇", "镇"),
    ("龙泉镇", "镇"),
    ("石门镇", "镇"),
    ("桃园镇", "镇"),
    ("双河镇", "镇"),
    ("马鞍镇", "镇"),
    ("青龙镇", "镇"),
    ("木鱼镇", "镇"),
    ("凤凰镇", "镇"),
    ("三河镇", "镇"),
    ("金竹乡", "乡"),
    ("红岩乡", "乡"),
    ("柳树乡", "乡"),
    ("黄坪乡", "乡"),
    ("安乐乡", "乡"),
    ("茶坝乡", "乡"),
    ("东城街道", "街道"),
    ("西城街道", "街道"),
]
VILLAGES = (
    "新民",
    "光明",
    "幸福",
    "红星",
    "和平",
    "太平",
    "金星",
    "五里",
    "桂花",
    "杨柳",
    "大坪",
    "石桥",
    "团结",
    "胜利",
    "双龙",
    "马家",
)

_SERVICE_CENTRE = "县政务服务中心"
_CENTRE_WINDOWS: list[tuple[str, str, str, float]] = [
    # (window name, matters, short, weight)
    ("县政务服务中心市场监管窗口", "market", "市场监管窗口", 1.4),
    ("县政务服务中心不动产登记窗口", "realestate", "不动产窗口", 1.8),
    ("县政务服务中心社保医保窗口", "hrss", "社保医保窗口", 1.5),
    ("县政务服务中心公积金窗口", "gjj", "公积金窗口", 0.8),
    ("县政务服务中心税务窗口", "tax", "税务窗口", 1.2),
    ("县政务服务中心公安户籍窗口", "police", "户籍窗口", 1.2),
    ("县政务服务中心车驾管窗口", "traffic", "车驾管窗口", 1.0),
    ("县政务服务中心住建窗口", "housing", "住建窗口", 0.9),
    ("县政务服务中心交通运输窗口", "transport", "交通窗口", 0.6),
    ("县政务服务中心综合受理窗口", "approval", "综合受理窗口", 1.0),
    ("县政务服务中心水电气联办窗口", "utilities", "水电气窗口", 0.8),
    ("县政务服务中心“办不成事”反映窗口", "generic", "办不成事窗口", 0.3),
]
_WINDOW_UNITS: list[tuple[str, str, UnitKind, str, str, float]] = [
    # (name, short, kind, staff, matters, weight)
    ("国网青岚县供电公司营业厅", "供电营业厅", E, "company", "power", 1.6),
    ("青岚县自来水有限责任公司", "自来水公司", E, "company", "water", 1.4),
    ("青岚县天然气有限公司营业厅", "燃气营业厅", E, "company", "gas", 0.9),
    ("县人民医院", "人民医院", W, "hospital", "hospital", 2.0),
    ("县中医医院", "中医医院", W, "hospital", "hospital", 1.1),
    ("县妇幼保健院", "妇幼保健院", W, "hospital", "hospital", 0.8),
    ("县车辆管理所", "车管所", W, "window", "traffic", 1.2),
    ("县第一中学", "一中", W, "school", "school", 0.9),
    ("县实验小学", "实验小学", W, "school", "school", 0.9),
    ("县职业中学", "职业中学", W, "school", "school", 0.5),
    ("县汽车客运站", "客运站", E, "company", "bus", 0.7),
    ("县城市公交有限公司", "公交公司", E, "company", "bus", 0.6),
    ("县殡仪馆", "殡仪馆", W, "window", "funeral", 0.4),
    ("青岚农商银行营业部", "农商银行营业部", E, "company", "bank", 0.6),
    ("县人民医院体检中心", "体检中心", W, "hospital", "hospital", 0.4),
    ("县城区第一幼儿园", "第一幼儿园", W, "school", "school", 0.4),
    ("县城乡居民医保经办服务大厅", "医保服务大厅", W, "window", "medical", 1.2),
]


def unit_specs() -> list[UnitSpec]:
    """The ~120 units of the demo county, parents before children."""
    specs: list[UnitSpec] = []
    for name, short, staff, matters, weight in _DEPARTMENTS:
        specs.append(UnitSpec(name, short, D, C1, staff, matters, weight))
    for name, short, staff, matters, weight in _POLICE_CHILDREN:
        specs.append(UnitSpec(name, short, D, C1, staff, matters, weight, parent="县公安局"))
    for parent, name, short, staff, matters, weight in _OTHER_CHILDREN:
        specs.append(UnitSpec(name, short, D, C1, staff, matters, weight, parent=parent))
    for town, level in TOWNS:
        profile = {"镇": "town", "乡": "township", "街道": "street"}[level]
        full = f"{COUNTY}{town}" if level != "街道" else f"{COUNTY}{town}办事处"
        specs.append(UnitSpec(full, town, T, C2, profile, "town", 1.0))
        specs.append(
            UnitSpec(
                f"{town}便民服务中心",
                f"{town[:-1] if level != '街道' else town[:-2]}便民中心",
                W,
                C2,
                "centre",
                "town",
                1.1,
                parent=full,
            )
        )
    specs.append(UnitSpec(_SERVICE_CENTRE, "政务服务中心", W, C3, "office", "generic", 0.8))
    for name, matters, short, weight in _CENTRE_WINDOWS:
        specs.append(UnitSpec(name, short, W, C3, "window", matters, weight, _SERVICE_CENTRE))
    for name, short, kind, staff, matters, weight in _WINDOW_UNITS:
        specs.append(UnitSpec(name, short, kind, C3, staff, matters, weight))
    return specs


STREETS = (
    "政府街",
    "人民路",
    "解放路",
    "建设路",
    "滨河路",
    "新华路",
    "文化路",
    "长征路",
    "青岚大道",
)

# --------------------------------------------------------------------------- posts

# Staff profile → ordered (post, how many: fixed int or (low, high)), frontline posts last.
POSTS: dict[str, list[tuple[str, tuple[int, int]]]] = {
    "bureau": [
        ("局长", (1, 1)),
        ("副局长", (1, 3)),
        ("办公室主任", (1, 1)),
        ("股长", (2, 3)),
        ("科员", (2, 6)),
    ],
    "agency": [
        ("主任", (1, 1)),
        ("副主任", (1, 2)),
        ("科长", (1, 3)),
        ("工作人员", (2, 6)),
    ],
    "hall": [("馆长", (1, 1)), ("副馆长", (1, 1)), ("工作人员", (3, 6))],
    "police": [
        ("局长", (1, 1)),
        ("副局长", (1, 2)),
        ("教导员", (0, 1)),
        ("中队长", (1, 2)),
        ("民警", (3, 6)),
        ("辅警", (1, 4)),
    ],
    "station": [("所长", (1, 1)), ("副所长", (1, 2)), ("工作人员", (3, 8))],
    "town": [
        ("党委书记", (1, 1)),
        ("镇长", (1, 1)),
        ("副镇长", (2, 3)),
        ("党政办主任", (1, 1)),
        ("工作人员", (2, 7)),
    ],
    "township": [
        ("党委书记", (1, 1)),
        ("乡长", (1, 1)),
        ("副乡长", (1, 2)),
        ("党政办主任", (1, 1)),
        ("工作人员", (2, 6)),
    ],
    "street": [
        ("党工委书记", (1, 1)),
        ("办事处主任", (1, 1)),
        ("办事处副主任", (2, 3)),
        ("党政办主任", (1, 1)),
        ("工作人员", (2, 6)),
    ],
    "centre": [("主任", (1, 1)), ("副主任", (0, 1)), ("窗口工作人员", (4, 9))],
    "office": [
        ("主任", (1, 1)),
        ("副主任", (2, 2)),
        ("综合科科长", (1, 1)),
        ("督查科科长", (1, 1)),
        ("工作人员", (3, 6)),
    ],
    "window": [("首席代表", (1, 1)), ("窗口负责人", (1, 1)), ("窗口工作人员", (4, 10))],
    "hospital": [
        ("院长", (1, 1)),
        ("副院长", (1, 2)),
        ("医务科科长", (1, 1)),
        ("收费处主任", (1, 1)),
        ("医生", (2, 5)),
        ("护士", (1, 4)),
        ("收费员", (1, 3)),
    ],
    "company": [
        ("经理", (1, 1)),
        ("副经理", (1, 2)),
        ("营业厅主任", (1, 1)),
        ("客户经理", (1, 3)),
        ("营业员", (2, 6)),
    ],
    "school": [
        ("校长", (1, 1)),
        ("副校长", (1, 2)),
        ("教务主任", (1, 1)),
        ("总务主任", (1, 1)),
        ("教师", (3, 8)),
    ],
}
# Posts that meet the public (more often named in complaints and findings).
FRONTLINE = {
    "科员",
    "民警",
    "辅警",
    "工作人员",
    "窗口工作人员",
    "医生",
    "护士",
    "收费员",
    "营业员",
    "客户经理",
    "教师",
    "股长",
    "中队长",
}
LEADING_POSTS = {
    "局长",
    "馆长",
    "党委书记",
    "党工委书记",
    "主任",
    "院长",
    "经理",
    "校长",
    "所长",
    "首席代表",
}
# Persons known only by a description ("3号窗口女工作人员").
DESCRIPTIONS = (
    "{n}号窗口女工作人员",
    "{n}号窗口男工作人员",
    "戴眼镜的男性工作人员",
    "短发女工作人员",
    "值班的工作人员（未佩戴工作牌）",
    "收费处一名中年女工作人员",
    "导办台的年轻男工作人员",
    "大厅值班保安",
)

# --------------------------------------------------------------------------- matters

MATTERS: dict[str, tuple[str, ...]] = {
    "police": ("户口迁移", "身份证补领", "居住证办理", "无犯罪记录证明开具", "户籍信息更正"),
    "traffic": ("驾驶证换证", "机动车年检", "交通事故处理", "车辆转籍过户"),
    "market": ("营业执照变更登记", "食品经营许可证办理", "个体工商户注册", "企业注销登记"),
    "land": ("宅基地审批", "用地规划许可", "土地确权登记", "征地补偿款发放"),
    "housing": ("施工许可证办理", "商品房预售许可", "物业维修资金申请", "农村危房改造补助"),
    "hrss": ("社保关系转移", "养老保险待遇资格认证", "失业保险金申领", "社保卡补办"),
    "wages": ("农民工工资拖欠", "劳动合同纠纷", "工伤认定"),
    "medical": ("医保报销", "异地就医备案", "门诊慢特病认定", "医保关系转移"),
    "realestate": ("不动产权证书办理", "抵押登记", "二手房过户登记", "查封信息查询"),
    "tax": ("发票申领", "个人所得税退税", "税务登记变更", "社保费缴纳"),
    "hospital": ("挂号就诊", "住院费用结算", "诊断证明开具", "医疗费用清单打印"),
    "power": ("新装电表", "停电故障报修", "电费缴纳", "用电容量增容"),
    "water": ("水表安装", "水费结算", "停水维修", "供水管网接入"),
    "gas": ("燃气开户", "燃气表更换", "燃气安全检查"),
    "town": ("低保申请", "危房改造补助申领", "土地承包经营权确权", "证明开具", "残疾人补贴申领"),
    "education": ("学籍转移", "入学报名", "学生资助金发放", "教师资格认定"),
    "school": ("入学报名", "学生资助金发放", "校服费收取", "转学手续办理"),
    "transport": ("道路运输经营许可", "客运线路审批", "出租车营运证年审"),
    "enforce": ("占道经营处罚", "违章建筑处置", "门店招牌审批", "渣土运输核准"),
    "civil": ("低保审批", "高龄津贴发放", "殡葬服务", "社会组织登记"),
    "marriage": ("结婚登记", "离婚登记", "婚姻登记档案查询"),
    "agri": ("农机购置补贴", "耕地地力保护补贴发放", "动物检疫证明", "农村土地流转备案"),
    "gjj": ("公积金提取", "公积金贷款", "公积金缴存基数调整"),
    "env": ("环评审批", "排污许可", "噪声污染投诉处理"),
    "water_res": ("取水许可", "河道采砂许可"),
    "forestry": ("林木采伐许可", "林权证办理"),
    "health": ("公共场所卫生许可证", "医师执业注册", "出生医学证明办理"),
    "culture": ("网吧经营许可", "演出场所审批", "旅行社备案"),
    "emergency": ("危险化学品经营许可", "安全生产检查"),
    "approval": ("企业投资项目备案", "建设项目审批", "招投标备案"),
    "finance": ("惠民惠农补贴发放", "政府采购款支付"),
    "utilities": ("水电气过户联办", "新建住宅水电气报装"),
    "bus": ("车票退改", "公交线路调整", "站内服务"),
    "bank": ("贷款办理", "存折挂失", "社保卡激活"),
    "funeral": ("遗体火化", "骨灰寄存"),
    "archive": ("档案查询", "档案证明出具"),
    "generic": ("业务咨询", "材料审核", "相关手续办理"),
}

# --------------------------------------------------------------------------- complainants

ENTERPRISE_BRANDS = (
    "鑫源",
    "恒通",
    "华晟",
    "宏达",
    "金鼎",
    "永盛",
    "兴旺",
    "顺发",
    "瑞丰",
    "天成",
    "佳和",
    "嘉禾",
    "博远",
    "众诚",
    "利民",
    "青禾",
    "蜀兴",
    "岚山",
)
ENTERPRISE_TRADES = (
    "商贸有限公司",
    "建材有限公司",
    "建筑工程有限公司",
    "农业开发有限公司",
    "食品有限公司",
    "物流有限公司",
    "旅游开发有限公司",
    "餐饮管理有限公司",
    "房地产开发有限公司",
    "机械设备租赁有限公司",
    "茶业专业合作社",
    "种养殖专业合作社",
)

# --------------------------------------------------------------------------- complaint phrases

# category code → (summary templates, content templates). Placeholders: {unit} (short name),
# {full} (full name), {matter}, {person}, {other}, {date}, {n}, {k}, {amount}, {time}, {window}.
COMPLAINT_TEXT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "slow": (
        (
            "反映{unit}办理{matter}办事拖拉、超时未办结",
            "反映{unit}{matter}效率低下，群众多次往返",
            "反映{unit}工作人员办理{matter}拖沓，一拖再拖",
        ),
        (
            "{date}投诉人到{full}办理{matter}，所需材料已全部提交，工作人员承诺{n}个工作日内办结，"
            "但至今已过去{k}个工作日仍未办理，多次电话询问均答复“领导还没签字”“系统有问题”。"
            "投诉人要求尽快办结并对相关人员批评教育。",
            "投诉人反映，其于{date}向{full}申请{matter}，按规定应当场办结，工作人员却让其回去等通知，"
            "此后前后跑了{k}趟，每次都被告知还要补充材料，但从未一次性告知需要补充哪些材料。",
        ),
    ),
    "attitude": (
        (
            "反映{unit}{person}服务态度差，门难进、脸难看、话难听",
            "反映{unit}窗口工作人员态度生硬、冷横硬推",
            "反映{unit}{person}对群众咨询不理不睬",
        ),
        (
            "{date}上午，投诉人到{full}咨询{matter}有关事宜，{person}头也不抬，只说“自己看墙上的公示”，"
            "投诉人再问时对方不耐烦地说“跟你说了你也不懂”，态度十分恶劣。投诉人认为该工作人员"
            "门难进、脸难看、话难听，要求给个说法。",
            "投诉人反映，{date}其在{full}办理{matter}时，因不清楚填表要求多问了几句，{person}当众"
            "训斥投诉人，并将材料扔回窗口外，周围办事群众均有目睹。",
        ),
    ),
    "extortion": (
        (
            "反映{unit}{person}在办理{matter}时吃拿卡要",
            "反映{unit}工作人员借{matter}之机索要好处",
        ),
        (
            "投诉人反映，其在{full}办理{matter}时，经办人{person}以“材料不齐”为由多次刁难，并暗示"
            "需要“意思意思”才能尽快办理。{date}该工作人员让投诉人请吃饭后才将手续办下来。",
            "投诉人称，{date}到{full}办理{matter}，{person}表示“正常要排一个月，想快点就得打点一下”，"
            "投诉人拒绝后，材料至今未被受理。",
        ),
    ),
    "arbitrary_charges": (
        (
            "反映{unit}办理{matter}乱收费",
            "反映{unit}在{matter}中收取不合理费用且不开票据",
            "反映{unit}执法人员乱罚款",
        ),
        (
            "投诉人于{date}到{full}办理{matter}，被要求缴纳“资料费”“工本费”共计{amount}元，"
            "且未出具任何正式票据。投诉人查询相关规定，该事项依法不应收取任何费用，要求退还并查处。",
            "投诉人反映，{date}{full}工作人员以“检查不合格”为由对其门店罚款{amount}元，"
            "既未出具处罚决定书，也未告知陈述申辩的权利，投诉人认为属于乱罚款。",
        ),
    ),
    "inaction": (
        (
            "反映{unit}对{matter}问题不作为",
            "反映{unit}对群众反映的问题久拖不决、慢作为",
        ),
        (
            "投诉人自{date}起多次向{full}反映{matter}方面的问题，该单位一直以“正在研究”“需要请示”"
            "为由拖延，至今没有任何处理结果，也没有书面答复。投诉人认为该单位不作为、慢作为。",
            "投诉人反映，{date}其就{matter}向{full}提交书面申请，按规定应在{n}个工作日内答复，"
            "但该单位既不受理也不说明理由，电话无人接听，投诉人多次上门均被告知“经办人不在”。",
        ),
    ),
    "buck_passing": (
        (
            "反映{unit}与{other}在{matter}上相互推诿扯皮",
            "反映{unit}办理{matter}推诿扯皮，让群众来回跑",
        ),
        (
            "投诉人为办理{matter}，{date}先到{full}，被告知应由{other}办理；到{other}后又被告知此事"
            "归{unit}管，两个单位相互推诿，投诉人来回跑了{k}趟问题仍未解决。",
            "投诉人反映，{matter}一事涉及{unit}和{other}，两家单位都说“不归我们管”，"
            "投诉人自{date}起奔波近一个月，至今无人牵头解决。",
        ),
    ),
    "defiance": (
        (
            "反映{unit}对县里已明确的{matter}政策拒不执行",
            "反映{unit}存在“中梗阻”，{matter}政策落实不到位",
        ),
        (
            "县政府已明确{matter}实行“最多跑一次”，但{full}仍要求提供已取消的证明材料，以“没有接到"
            "通知”为由拒不执行，变相设置门槛。投诉人{date}办理时被拒，认为存在“中梗阻”问题。",
            "投诉人反映，县里出台的{matter}优惠政策至今在{full}无法兑现，工作人员称“上面说的是上面"
            "的，我们这里没有这个规定”，有令不行、有禁不止。",
        ),
    ),
    "discipline": (
        (
            "反映{unit}工作人员上班时间玩游戏",
            "反映{unit}窗口工作人员上班时间脱岗",
            "反映{unit}工作人员迟到早退",
            "反映{unit}工作人员上班时间外出吃早餐",
            "反映{unit}工作人员上班时间炒股、串岗聊天",
        ),
        (
            "{date}{time}，投诉人到{full}办理{matter}，发现{window}无人，等了近{n}十分钟，"
            "工作人员才从外面回来，称去吃早餐了。",
            "{date}{time}，投诉人到{full}办理{matter}，看见{person}正在用手机玩游戏，投诉人上前"
            "询问，对方说“等我打完这局”，让投诉人在一旁等候。",
            "{date}{time}，已过上班时间半小时，{full}{window}仍无人上班，办事群众在门口排起长队。",
            "投诉人反映，{full}部分工作人员上班时间串岗聊天、用电脑看股票行情，{date}投诉人办理"
            "{matter}时被晾在一边近半小时。",
        ),
    ),
    "meeting_style": (
        (
            "反映{unit}会议迟到早退、会上玩手机",
            "反映{unit}文山会海、层层发文",
        ),
        (
            "投诉人反映，{date}{full}召开{matter}专题会议，通知九点开会，九点半才陆续到齐，"
            "会上多人低头玩手机、随意进出会场。",
            "投诉人反映，{full}就{matter}一项工作半个月内下发通知{n}份，要求基层重复填报表格，"
            "文山会海，加重基层负担。",
        ),
    ),
    "other": (
        (
            "反映{unit}办事指南公示内容与实际不符",
            "反映{unit}咨询电话长期无人接听",
        ),
        (
            "投诉人反映，{full}大厅公示的{matter}办事指南与实际要求不一致，按照指南准备的材料被告知"
            "不全，{date}白跑一趟。",
            "投诉人反映，{full}对外公布的咨询电话自{date}起一直无人接听，{matter}相关问题无从咨询。",
        ),
    ),
}

CHANNEL_PREFIX = {
    "hotline_12345": "12345政务服务便民热线转办：",
    "leader_assigned": "县领导批转：",
    "supervisor": "效能监督员反映：",
    "media": f"{NEWSPAPER}反映：",
    "web": "网络问政平台留言：",
}

LEADER_INSTRUCTIONS = (
    "请投诉中心抓紧调查核实，依规处理，按时反馈投诉人。",
    "请{handler}主要负责人高度重视，{n}个工作日内查清事实，书面报告办理结果。",
    "此事影响营商环境，请效能办牵头督办，务必一查到底。",
    "请{handler}立即整改，效能办跟踪督办，结果报我。",
    "同意交{handler}办理，限期办结并反馈。",
)
FORWARD_TARGETS = ("县信访局", "县人民法院立案庭", "市住房公积金管理中心", "县人民检察院控告申诉科")
FORWARD_INSTRUCTION = "反映事项不属效能投诉受理范围，转{forward}依法处理，效能办跟踪了解结果。"
REJECT_REASONS = (
    "反映事项已进入诉讼程序，不属于效能投诉受理范围，已告知投诉人依法通过诉讼途径解决。",
    "反映事项已由县信访局依法受理，不重复受理，已告知投诉人。",
    "投诉内容不具体，没有被投诉单位和人员信息，经联系投诉人仍无法补充，不予受理。",
    "反映的是民事纠纷，不属于机关效能问题，已告知投诉人通过调解或诉讼途径解决。",
)
NOTES = (
    "已电话联系投诉人，进一步了解情况。",
    "调取{unit}办件记录和大厅监控录像。",
    "约谈{unit}分管负责人，了解办理情况。",
    "当事人已作出书面说明。",
    "到{unit}现场核查，查阅相关台账。",
    "询问当时在场的其他工作人员和办事群众。",
)
REMINDERS = (
    "电话催办{unit}，要求于{date}前报送办理结果。",
    "再次催办{unit}，告知逾期将按规定追究责任。",
)
SUPERVISIONS = ("下发督办通知书，要求{unit}限期办结并书面报告。",)
EXTENSION_REASONS = (
    "因需调取外单位材料，申请延期{n}个工作日。",
    "涉及多个部门，需联合核查，申请延期{n}个工作日。",
    "当事人外出学习，无法及时询问，申请延期{n}个工作日。",
)
SENT_BACK_REASONS = (
    "调查不够深入，请补充当事人陈述和证人证言。",
    "处理意见过轻，请依照效能问责办法重新提出处理意见。",
)
HANDLING_RESULTS = {
    "substantiated": (
        "经调查，投诉反映问题属实。已责成{unit}立即整改，对当事人{person}给予{measure}，"
        "投诉人所办事项已于{date}办结。",
        "经调查核实，反映问题属实。{unit}已向投诉人当面道歉，对相关责任人{measure}，"
        "并在全单位开展作风纪律整顿。",
    ),
    "partly": (
        "经调查，投诉反映问题部分属实：{unit}确存在解释不到位、办理不及时的问题，但不存在"
        "索要好处的情况。已对当事人{person}进行批评教育，要求改进工作方法。",
        "经调查，反映问题部分属实。已督促{unit}完善一次性告知制度，事项已办结。",
    ),
    "unfounded": (
        "经调查核实，投诉反映问题不属实。所需材料系法律法规规定的必要材料，已向投诉人做好解释工作。",
        "经调取监控录像和办件记录核实，反映问题不属实，已向投诉人说明情况。",
    ),
    "unverifiable": (
        "因投诉人未能提供具体时间和当事人信息，且当事人否认，反映问题无法核实。已要求{unit}"
        "加强内部管理，严格落实首问负责制。",
    ),
}
FORWARD_RESULTS = ("已将投诉件转{forward}办理，{forward}已受理并答复投诉人，效能办跟踪了解。",)
MEASURE_WORDS = ("批评教育", "效能告诫", "诫勉谈话", "通报批评", "责令书面检查")
REPLY_TEXTS = {
    "phone": "已电话告知投诉人调查处理结果。",
    "sms": "已短信告知投诉人办理结果。",
    "letter": "已向投诉人寄送书面答复函。",
    "in_person": "投诉人来办公室，当面告知办理结果。",
    "web": "已在网络问政平台回复办理结果。",
    "none": "投诉人匿名且未留联系方式，无法反馈，办理结果存档备查。",
}
REJECT_REPLY = "已电话告知投诉人不予受理的理由和其他解决途径。"
RETURN_VISITS = {
    "satisfied": ("回访投诉人，对办理结果表示满意。", "回访投诉人，问题已解决，表示满意。"),
    "basically": ("回访投诉人，认为问题已解决但办理时间偏长，基本满意。",),
    "unsatisfied": (
        "回访投诉人，对处理结果不满意，认为对当事人处理过轻。",
        "回访投诉人，称问题至今仍未真正解决，不满意。",
    ),
}
REOPEN_TEXT = "回访不满意，经领导同意重新办理。"
MERGE_TEXT = "与投诉件{number}反映同一事项，合并办理。"
MERGE_CONTENT = "投诉人就投诉件{number}反映的同一问题再次来电，要求加快办理。"

# --------------------------------------------------------------------------- inspections

CAMPAIGNS: list[tuple[str, str, str, str]] = [
    # (name template, kind, theme, description)
    (
        "{year}年春节后“收心归位”作风纪律专项督查",
        "special",
        "上下班纪律",
        "节后第一周检查各单位到岗情况、窗口服务和值班值守，重点查迟到早退、脱岗离岗。",
    ),
    (
        "县政务服务中心窗口服务质量明察",
        "open",
        "窗口服务",
        "对政务服务中心各进驻窗口的服务态度、一次性告知、办理时限进行明察。",
    ),
    (
        "工作日上班时间吃早餐专项整治暗访",
        "undercover",
        "上班时间吃早餐",
        "早八点半至九点半到县城早餐店和各单位办公区暗访，查上班时间外出吃早餐。",
    ),
    (
        "乡镇便民服务中心模拟办事",
        "mock_service",
        "窗口服务",
        "督查人员以群众身份到乡镇便民服务中心办理常见事项，检验服务质量和办事效率。",
    ),
    (
        "优化营商环境跟踪办事督查",
        "follow_service",
        "优化营商环境",
        "跟踪企业开办、工程建设项目审批全过程，查找“中梗阻”和推诿扯皮问题。",
    ),
    (
        "会风会纪突击检查",
        "surprise",
        "会风会纪",
        "对各单位召开的工作会议进行突击检查，查迟到早退、会上玩手机、随意进出。",
    ),
    (
        "中秋国庆节前作风巡查",
        "conduct_patrol",
        "节日期间作风",
        "节前对各单位值班值守、公车使用和工作纪律进行巡查。",
    ),
    (
        "重点项目推进“中梗阻”专项督查",
        "special",
        "重点项目推进",
        "对全县重点项目涉及的审批和服务单位开展专项督查，查有令不行、推诿扯皮。",
    ),
    (
        "窗口单位上班时间玩游戏炒股暗访",
        "undercover",
        "上班纪律",
        "通过暗访查看窗口单位工作人员上班时间玩游戏、炒股、网购等问题。",
    ),
    (
        "年末上下班纪律突击检查",
        "surprise",
        "上下班纪律",
        "年末对各单位上下班纪律进行突击检查。",
    ),
]
FINDING_PLACES = (
    "一楼办事大厅",
    "二楼{matter}窗口",
    "机关三楼办公室",
    "{n}号窗口",
    "便民服务大厅",
    "收费处",
    "门诊大厅",
    "营业厅",
    "会议室",
    "值班室",
)
FINDING_TEXT: dict[str, tuple[str, ...]] = {
    "discipline": (
        "{time}，督查组到{unit}{place}检查，{n}名工作人员未按时到岗，签到表却显示已签到。",
        "{time}，{place}工作人员{person}正在用电脑玩“斗地主”游戏，办事群众在窗口等候。",
        "{time}，{place}两名工作人员在办公桌上吃早餐，群众在窗口前排队等候。",
        "{time}，{place}无人在岗，桌上放有“暂停服务”牌，经了解工作人员外出办私事且未请假。",
        "{time}，{person}上班时间用手机浏览股票行情，对前来咨询的群众不理不睬。",
        "{time}，{place}工作人员串岗聊天，{n}名群众等候无人接待。",
    ),
    "attitude": (
        "督查人员以群众身份咨询{matter}，{person}未起身、未使用文明用语，答复“不清楚，问别人去”。",
        "{time}，{place}工作人员对办事群众语气生硬，群众询问两次后不耐烦地让其“去门口看公示”。",
    ),
    "slow": (
        "模拟办理{matter}，材料齐全但被告知需等待{n}个工作日，超过公示的承诺时限。",
        "跟踪办理{matter}，同一事项在{unit}内部流转{n}个环节，用时远超承诺时限。",
    ),
    "meeting_style": (
        "{unit}召开工作会议，通知时间到会人数不足三分之二，{n}人迟到，会中有人玩手机、随意进出。",
        "{unit}会议期间{n}名参会人员低头玩手机，会场纪律松散。",
    ),
    "arbitrary_charges": ("{place}未公示收费项目和标准，收取{matter}相关费用未开具正式票据。",),
    "buck_passing": ("跟踪办理{matter}，{unit}与相关单位相互推诿，督查人员往返{n}次仍未办成。",),
    "defiance": ("{unit}仍要求企业提供已明令取消的证明材料，县里“容缺受理”规定未落实。",),
    "other": (
        "{place}办事指南未及时更新，公示的承诺时限与实际不符。",
        "{place}“好差评”评价器损坏，长期未修复。",
    ),
}
VERIFY_NOTES = {
    "verified": "经调阅监控录像、询问当事人，问题属实。",
    "handled": "问题属实，已按规定处理。",
    "dismissed": "经核实，当事人当时经批准外出办理公务，不予认定。",
}
CAMERAS = (
    ("HUAWEI", "P40"),
    ("Xiaomi", "Redmi Note 12"),
    ("OPPO", "Reno8"),
    ("Canon", "Canon PowerShot SX740 HS"),
    ("vivo", "X90"),
)

# --------------------------------------------------------------------------- accountability

DECIDING_BODIES = (OFFICE_NAME, f"中共{COUNTY}纪律检查委员会", f"{COUNTY}监察委员会")
RECTIFICATION_ITEMS = (
    "严格落实考勤制度，实行上下班签到和不定期抽查。",
    "在办事大厅醒目位置公示办事指南、收费标准和承诺时限。",
    "落实首问负责制、一次性告知制和限时办结制。",
    "对全体窗口工作人员开展服务礼仪和业务培训。",
    "建立内部督查机制，每月通报一次作风纪律检查情况。",
    "对当事人进行批评教育，在单位内部通报。",
)
RECTIFICATION_REPORTS = (
    "已召开全体干部职工大会通报问题，对当事人进行批评教育；已修订考勤制度并严格执行。",
    "已在大厅公示办事指南和收费标准；已组织窗口人员培训两次；已建立每月自查制度。",
)
