/*
 * error.h -- the one error value that travels from the store to the HTTP reply.
 *
 * Every fallible function takes `struct ep_error *err` last, returns 0 on
 * success and a negative value on failure after filling `err`.  An error has a
 * code (which fixes the HTTP status), a message in both zh-CN and en, and an
 * optional list of field errors; the HTTP layer picks the language of the
 * request.  Messages are formatted once for each language with the same
 * arguments, so both format strings must consume the arguments in one order.
 */
#ifndef EPIGRID_UTIL_ERROR_H
#define EPIGRID_UTIL_ERROR_H

enum ep_code {
    EP_OK = 0,
    EP_EINVAL,       /* 400 invalid_input */
    EP_EUNAUTH,      /* 401 unauthenticated */
    EP_EFORBIDDEN,   /* 403 forbidden */
    EP_ENOTFOUND,    /* 404 not_found */
    EP_EMETHOD,      /* 405 method_not_allowed */
    EP_ECONFLICT,    /* 409 conflict */
    EP_ETOOLARGE,    /* 413 too_large */
    EP_EMEDIA,       /* 415 unsupported_media_type */
    EP_ERULE,        /* 422 rule_violation */
    EP_ETHROTTLE,    /* 429 too_many_requests */
    EP_EINTERNAL,    /* 500 internal */
    EP_EUNAVAILABLE, /* 503 unavailable */
    EP_CODE_COUNT
};

enum ep_lang { EP_LANG_ZH = 0, EP_LANG_EN = 1 };

#define EP_ERROR_FIELDS_MAX 16
#define EP_ERROR_MSG_MAX    256

struct ep_error_field {
    char field[64];                /* JSON field or CSV column name */
    char msg[2][EP_ERROR_MSG_MAX]; /* message per enum ep_lang */
};

struct ep_error {
    int code;                      /* enum ep_code; EP_OK when clear */
    char msg[2][EP_ERROR_MSG_MAX]; /* message per enum ep_lang */
    int nfields;                   /* used entries of fields[] */
    int fields_dropped;            /* field errors beyond EP_ERROR_FIELDS_MAX */
    struct ep_error_field fields[EP_ERROR_FIELDS_MAX];
};

/* Resets "err" to EP_OK with no message and no fields. */
void ep_error_clear(struct ep_error *err);

/* Sets code and the two messages (formatted with the same arguments).
 * Keeps field errors already added.  Returns -code, for `return ep_error_set(...)`. */
int ep_error_set(struct ep_error *err, int code, const char *zh_fmt, const char *en_fmt, ...)
    __attribute__((format(printf, 3, 5))) __attribute__((format(printf, 4, 5)));

/* Appends a field error and makes the error EP_EINVAL if it was clear.  The
 * top-level message is set to "输入有误"/"invalid input" if none is set yet. */
void ep_error_field(struct ep_error *err, const char *field, const char *zh_fmt, const char *en_fmt,
                    ...) __attribute__((format(printf, 3, 5)))
__attribute__((format(printf, 4, 5)));

/* Prefixes every field name added since index "from" with "prefix" (e.g. "line 12: "). */
void ep_error_fields_prefix(struct ep_error *err, int from, const char *prefix);

/* HTTP status and machine-readable name ("invalid_input", ...) of a code. */
int ep_code_http_status(int code);
const char *ep_code_name(int code);

/* The message in "lang", falling back to zh. */
const char *ep_error_message(const struct ep_error *err, int lang);

#endif
