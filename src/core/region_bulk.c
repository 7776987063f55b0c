/*
 * region_bulk.c -- many regions in one write (region.h: region_bulk_create):
 * the body of POST /api/v1/regions/bulk.  Apart from region.c because a
 * grid's responsible person is set through the organisation module
 * (org_grid_duty_set), which itself builds on the regions.
 */
#include <stdio.h>
#include <string.h>

#include "core/org.h"
#include "core/region.h"
#include "core/write.h"

/* Copies the field errors of "item" into "err" as "items[i].<field>";
 * returns 1 if every one of them was a missing reference (404). */
static int merge_item(struct ep_error *err, const struct ep_error *item, int i)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "items[%d].", i);
    if (item->nfields == 0) {
        char field[32];
        snprintf(field, sizeof field, "items[%d]", i);
        ep_error_field(err, field, "%s%.0s", "%.0s%s", item->msg[EP_LANG_ZH],
                       item->msg[EP_LANG_EN]);
    }
    for (int k = 0; k < item->nfields; k++) {
        char field[sizeof item->fields[k].field + sizeof prefix];
        snprintf(field, sizeof field, "%s%s", prefix, item->fields[k].field);
        ep_error_field(err, field, "%s%.0s", "%.0s%s", item->fields[k].msg[EP_LANG_ZH],
                       item->fields[k].msg[EP_LANG_EN]);
    }
    return item->code == EP_ENOTFOUND;
}

int region_bulk_create(struct store *s, const struct actor *who, const struct region_input *items,
                       const int64_t *responsible_person_ids, int n, struct region *out,
                       struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int per_level[REGION_GRID + 1] = {0}, all_missing = 1, bad = 0;
    char common[REGION_CODE_MAX] = "";
    for (int i = 0; i < n && write_ok(&w); i++) {
        struct ep_error e;
        ep_error_clear(&e);
        struct write item;
        if (write_begin(&item, s, who, NULL, NULL, NULL, &e) != 0) {
            *err = e;
            write_fail(&w, item.rc);
            break;
        }
        region_insert(&item, &items[i], &out[i]);
        int64_t person = responsible_person_ids ? responsible_person_ids[i] : 0;
        if (write_ok(&item) && person > 0) {
            if (out[i].level != REGION_GRID) {
                ep_error_field(&e, "responsible_person_id", "只有网格有责任人",
                               "only a grid has a responsible person");
                write_check(&item);
            } else {
                json_t *duty = NULL;
                write_fail(&item,
                           org_grid_duty_set(s, who, out[i].code, person, NULL, 0, &duty, &e));
                json_decref(duty);
            }
        }
        if (write_end(&item, 0) == 0) {
            per_level[out[i].level]++;
            if (!common[0] && !bad)
                snprintf(common, sizeof common, "%s", out[i].code);
            size_t k = 0;
            while (common[k] && common[k] == out[i].code[k])
                k++;
            common[k] = '\0';
            continue;
        }
        if (e.code == EP_EINTERNAL || e.code == EP_EUNAVAILABLE) {
            *err = e;
            write_fail(&w, -e.code);
            break;
        }
        all_missing = merge_item(err, &e, i) && all_missing;
        bad++;
    }
    if (write_ok(&w) && bad) {
        if (all_missing)
            ep_error_set(err, EP_ENOTFOUND, "所引用的记录不存在",
                         "a referenced record was not found");
        write_check(&w);
    }
    if (write_ok(&w)) {
        /* The audit row lies at the deepest region holding every new one. */
        size_t len = strlen(common);
        while (len > 0 && !region_level_of_code(common))
            common[--len] = '\0';
        json_t *after =
            json_pack("{s:i, s:{s:i, s:i, s:i, s:i, s:i}, s:s}", "count", n, "created", "city",
                      per_level[REGION_CITY], "county", per_level[REGION_COUNTY], "township",
                      per_level[REGION_TOWNSHIP], "village", per_level[REGION_VILLAGE], "grid",
                      per_level[REGION_GRID], "created_at", w.now);
        write_audit_key(&w, "import", "region", "bulk", common[0] ? common : who->user->scope, NULL,
                        after);
        json_decref(after);
    }
    return write_end(&w, 0);
}
