/*
 * A small C SDK for Gofer extensions built as WebAssembly components: hand-written canonical-ABI
 * bindings for the WIT world gofer:extension/extension@0.1.0 (proto/wit/gofer-extension.wit).
 *
 * An extension defines gofer_extension_info() and whichever other gofer_extension_* handlers it
 * needs; the SDK supplies defaults for the rest, lifts the host's arguments into the types below
 * and lowers the results back. Every string the host hands over is NUL-terminated, lives until
 * the handler returns, and is freed by the SDK afterwards: copy what you keep.
 *
 * A handler refuses by returning a message (gofer_errorf builds one); NULL means success. The
 * message reaches the user as it is.
 *
 * Build with scripts/build-native-extension.mjs, which compiles for wasm32-wasi with clang-19,
 * links no WASI at all, and turns the core module into a component with jco.
 */
#ifndef GOFER_EXTENSION_H
#define GOFER_EXTENSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *ptr; /* NUL-terminated */
  size_t len;
} gofer_str;

typedef struct {
  gofer_str key;
  gofer_str value;
} gofer_kv_entry;

/* A flat string map; keys arrive lower-cased. */
typedef struct {
  const gofer_kv_entry *entries;
  size_t len;
} gofer_kv;

typedef struct {
  gofer_str namespace_;
  gofer_str pipeline;
  gofer_str label;
} gofer_subscription_ref;

typedef struct {
  const char *key;
  bool required;
  const char *documentation;
} gofer_param;

typedef struct {
  const char *name;
  const char *version;
  const char *documentation;
  const gofer_param *config_params;
  size_t config_params_len;
  const gofer_param *subscription_params;
  size_t subscription_params_len;
} gofer_extension_info_t;

typedef struct {
  uint16_t status;
  const char *body; /* copied by the SDK */
  size_t body_len;
} gofer_response;

typedef enum { GOFER_LOG_DEBUG, GOFER_LOG_INFO, GOFER_LOG_WARN, GOFER_LOG_ERROR } gofer_log_level;
typedef enum { GOFER_RUN_SUCCESSFUL, GOFER_RUN_FAILED, GOFER_RUN_CANCELLED } gofer_run_status;

/* --- What the extension implements (all but info are optional) --- */

const gofer_extension_info_t *gofer_extension_info(void);
const char *gofer_extension_init(const gofer_kv *config);
const char *gofer_extension_subscribe(const gofer_subscription_ref *ref, const gofer_kv *settings);
const char *gofer_extension_unsubscribe(const gofer_subscription_ref *ref);
const char *gofer_extension_external_event(const gofer_kv *headers, const uint8_t *body,
                                           size_t body_len, gofer_response *out);
/* Returns the ms until the next tick is wanted; 0: not until something changes. */
uint64_t gofer_extension_tick(uint64_t now_ms);
void gofer_extension_run_finished(const gofer_subscription_ref *ref, uint64_t run,
                                  gofer_run_status status);
void gofer_extension_shutdown(void);

/* --- What the host offers --- */

void gofer_log(gofer_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Starts a run of a pipeline subscribed under ref->label. On success returns true and sets *run;
 * otherwise returns false and points *error at the host's reason (valid until the next call).
 */
bool gofer_start_run(const gofer_subscription_ref *ref, const gofer_kv *variables,
                     const char *reason, uint64_t *run, const char **error);

/* UTC offset in minutes of IANA zone `zone` at epoch ms `at_ms`; false and *error otherwise. */
bool gofer_time_zone_offset(const char *zone, int64_t at_ms, int32_t *minutes,
                            const char **error);

/* --- Helpers --- */

/* The value of `key` in `kv`, or NULL when absent. */
const char *gofer_kv_get(const gofer_kv *kv, const char *key);

/* Formats an error message into a buffer the SDK owns (valid until the next handler call). */
const char *gofer_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
