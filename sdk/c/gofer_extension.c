/*
 * The canonical-ABI side of gofer_extension.h. Layouts follow the component model's rules for
 * wasm32: a string or list is (i32 pointer, i32 length); a result whose flat form is wider than
 * one value is returned through a pointer to a return area, and an import writes such a result
 * through a trailing pointer the caller passes.
 */
#include "gofer_extension.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST(name) __attribute__((import_module("gofer:extension/host@0.1.0"), import_name(name)))
#define GUEST(name) __attribute__((export_name("gofer:extension/guest@0.1.0#" name)))

HOST("log") extern void host_log(int32_t level, const char *ptr, size_t len);
HOST("start-run")
extern void host_start_run(const char *ns, size_t ns_len, const char *pipeline, size_t pipeline_len,
                           const char *label, size_t label_len, const gofer_kv_entry *vars,
                           size_t vars_len, const char *reason, size_t reason_len, uint8_t *ret);
HOST("time-zone-offset")
extern void host_time_zone_offset(const char *zone, size_t zone_len, int64_t at_ms, uint8_t *ret);

/* One return area serves every export: the host lifts a result before the next call. */
static _Alignas(8) uint8_t ret_area[40];
static char error_buffer[4096];
static char log_buffer[4096];
static char *last_host_error;

#define AT(type, offset) (*(type *)(ret_area + (offset)))

/*
 * The host allocates every argument string and list through here. One extra zeroed byte makes
 * each string NUL-terminated, so handlers can use them as C strings.
 */
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                                   size_t align, size_t new_size) {
  (void)old_size;
  (void)align; /* malloc's 16-byte alignment covers every WIT type */
  char *p = realloc(old, new_size + 1);
  if (!p) __builtin_trap();
  p[new_size] = 0;
  return p;
}

/* Empty strings and lists arrive as (alignment, 0): not allocated, not terminated. */
static gofer_str lift_str(const char *ptr, size_t len) {
  return (gofer_str){len ? ptr : "", len};
}

static void free_str(gofer_str s) {
  if (s.len) free((void *)s.ptr);
}

static gofer_kv lift_kv(gofer_kv_entry *entries, size_t len) {
  for (size_t i = 0; i < len; i++) {
    entries[i].key = lift_str(entries[i].key.ptr, entries[i].key.len);
    entries[i].value = lift_str(entries[i].value.ptr, entries[i].value.len);
  }
  return (gofer_kv){len ? entries : NULL, len};
}

static void free_kv(gofer_kv kv) {
  for (size_t i = 0; i < kv.len; i++) {
    free_str(kv.entries[i].key);
    free_str(kv.entries[i].value);
  }
  if (kv.len) free((void *)kv.entries);
}

static gofer_subscription_ref lift_ref(const char *ns, size_t ns_len, const char *pipeline,
                                       size_t pipeline_len, const char *label, size_t label_len) {
  return (gofer_subscription_ref){lift_str(ns, ns_len), lift_str(pipeline, pipeline_len),
                                  lift_str(label, label_len)};
}

static void free_ref(gofer_subscription_ref ref) {
  free_str(ref.namespace_);
  free_str(ref.pipeline);
  free_str(ref.label);
}

/* result<_, string>: discriminant at 0, the error string at 4. */
static uint8_t *lower_unit_result(const char *err) {
  AT(uint8_t, 0) = err ? 1 : 0;
  if (err) {
    AT(const char *, 4) = err;
    AT(size_t, 8) = strlen(err);
  }
  return ret_area;
}

/* --- Defaults for the optional handlers --- */

__attribute__((weak)) const char *gofer_extension_init(const gofer_kv *config) {
  (void)config;
  return NULL;
}

__attribute__((weak)) const char *gofer_extension_subscribe(const gofer_subscription_ref *ref,
                                                            const gofer_kv *settings) {
  (void)ref;
  (void)settings;
  return NULL;
}

__attribute__((weak)) const char *gofer_extension_unsubscribe(const gofer_subscription_ref *ref) {
  (void)ref;
  return NULL;
}

__attribute__((weak)) const char *gofer_extension_external_event(const gofer_kv *headers,
                                                                 const uint8_t *body,
                                                                 size_t body_len,
                                                                 gofer_response *out) {
  (void)headers;
  (void)body;
  (void)body_len;
  static const char none[] = "this extension takes no events";
  *out = (gofer_response){404, none, sizeof none - 1};
  return NULL;
}

__attribute__((weak)) uint64_t gofer_extension_tick(uint64_t now_ms) {
  (void)now_ms;
  return 0;
}

__attribute__((weak)) void gofer_extension_run_finished(const gofer_subscription_ref *ref,
                                                        uint64_t run, gofer_run_status status) {
  (void)ref;
  (void)run;
  (void)status;
}

__attribute__((weak)) void gofer_extension_shutdown(void) {}

/* --- Exports --- */

GUEST("init") uint8_t *export_init(gofer_kv_entry *config, size_t config_len) {
  gofer_kv kv = lift_kv(config, config_len);
  const char *err = gofer_extension_init(&kv);
  free_kv(kv);
  return lower_unit_result(err);
}

/* param: key at 0, required at 8, documentation at 12; 20 bytes, 4-aligned. */
static uint8_t *lower_params(const gofer_param *params, size_t len) {
  uint8_t *out = malloc(len * 20 + 1);
  for (size_t i = 0; i < len; i++) {
    uint8_t *p = out + i * 20;
    *(const char **)p = params[i].key;
    *(size_t *)(p + 4) = strlen(params[i].key);
    *(uint8_t *)(p + 8) = params[i].required;
    *(const char **)(p + 12) = params[i].documentation;
    *(size_t *)(p + 16) = strlen(params[i].documentation);
  }
  return out;
}

GUEST("info") uint8_t *export_info(void) {
  static uint8_t *config_params, *subscription_params;
  const gofer_extension_info_t *info = gofer_extension_info();
  free(config_params);
  free(subscription_params);
  config_params = lower_params(info->config_params, info->config_params_len);
  subscription_params = lower_params(info->subscription_params, info->subscription_params_len);
  const char *strings[] = {info->name, info->version, info->documentation};
  for (int i = 0; i < 3; i++) {
    AT(const char *, i * 8) = strings[i];
    AT(size_t, i * 8 + 4) = strlen(strings[i]);
  }
  AT(uint8_t *, 24) = config_params;
  AT(size_t, 28) = info->config_params_len;
  AT(uint8_t *, 32) = subscription_params;
  AT(size_t, 36) = info->subscription_params_len;
  return ret_area;
}

GUEST("subscribe")
uint8_t *export_subscribe(const char *ns, size_t ns_len, const char *pipeline, size_t pipeline_len,
                          const char *label, size_t label_len, gofer_kv_entry *settings,
                          size_t settings_len) {
  gofer_subscription_ref ref = lift_ref(ns, ns_len, pipeline, pipeline_len, label, label_len);
  gofer_kv kv = lift_kv(settings, settings_len);
  const char *err = gofer_extension_subscribe(&ref, &kv);
  free_kv(kv);
  free_ref(ref);
  return lower_unit_result(err);
}

GUEST("unsubscribe")
uint8_t *export_unsubscribe(const char *ns, size_t ns_len, const char *pipeline,
                            size_t pipeline_len, const char *label, size_t label_len) {
  gofer_subscription_ref ref = lift_ref(ns, ns_len, pipeline, pipeline_len, label, label_len);
  const char *err = gofer_extension_unsubscribe(&ref);
  free_ref(ref);
  return lower_unit_result(err);
}

/* result<response, string>: discriminant at 0; response.status at 4 and body at 8, or err at 4. */
GUEST("external-event")
uint8_t *export_external_event(gofer_kv_entry *headers, size_t headers_len, uint8_t *body,
                               size_t body_len) {
  gofer_kv kv = lift_kv(headers, headers_len);
  gofer_response response = {200, "", 0};
  const char *err = gofer_extension_external_event(&kv, body_len ? body : NULL, body_len, &response);
  free_kv(kv);
  if (body_len) free(body);
  if (err) return lower_unit_result(err);
  AT(uint8_t, 0) = 0;
  AT(uint16_t, 4) = response.status;
  AT(const char *, 8) = response.body ? response.body : "";
  AT(size_t, 12) = response.body ? response.body_len : 0;
  return ret_area;
}

GUEST("tick") uint64_t export_tick(uint64_t now_ms) { return gofer_extension_tick(now_ms); }

GUEST("run-finished")
void export_run_finished(const char *ns, size_t ns_len, const char *pipeline, size_t pipeline_len,
                         const char *label, size_t label_len, uint64_t run, int32_t status) {
  gofer_subscription_ref ref = lift_ref(ns, ns_len, pipeline, pipeline_len, label, label_len);
  gofer_extension_run_finished(&ref, run, (gofer_run_status)status);
  free_ref(ref);
}

GUEST("shutdown") void export_shutdown(void) { gofer_extension_shutdown(); }

/*
 * printf-style formatting in wasi-libc drags in the stdio write path, which would make the
 * component import WASI files. Defining the three preview1 functions here keeps them from
 * becoming imports, so an extension needs no grant; they fail with ENOSYS if ever reached.
 * Build with -DGOFER_WITH_WASI to import real WASI instead (and grant it at install).
 */
#ifndef GOFER_WITH_WASI
#define WASI_ENOSYS 52
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t iovs_len,
                                                   int32_t written) {
  (void)fd, (void)iovs, (void)iovs_len, (void)written;
  return WASI_ENOSYS;
}
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence,
                                                  int32_t position) {
  (void)fd, (void)offset, (void)whence, (void)position;
  return WASI_ENOSYS;
}
int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) {
  (void)fd;
  return WASI_ENOSYS;
}
#endif

/* --- Host calls --- */

void gofer_log(gofer_log_level level, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  int n = vsnprintf(log_buffer, sizeof log_buffer, fmt, args);
  va_end(args);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof log_buffer ? (size_t)n : sizeof log_buffer - 1;
  host_log((int32_t)level, log_buffer, len);
}

/* The host allocated the error string through cabi_realloc; keep it until the next call. */
static const char *take_host_error(uint8_t *ret, size_t offset) {
  free(last_host_error);
  char *ptr = *(char **)(ret + offset);
  size_t len = *(size_t *)(ret + offset + 4);
  last_host_error = len ? ptr : NULL;
  return len ? ptr : "";
}

/* result<u64, string>: discriminant at 0, the payload at 8. */
bool gofer_start_run(const gofer_subscription_ref *ref, const gofer_kv *variables,
                     const char *reason, uint64_t *run, const char **error) {
  _Alignas(8) uint8_t ret[16];
  host_start_run(ref->namespace_.ptr, ref->namespace_.len, ref->pipeline.ptr, ref->pipeline.len,
                 ref->label.ptr, ref->label.len, variables ? variables->entries : NULL,
                 variables ? variables->len : 0, reason, strlen(reason), ret);
  if (ret[0] == 0) {
    *run = *(uint64_t *)(ret + 8);
    return true;
  }
  *error = take_host_error(ret, 8);
  return false;
}

/* result<s32, string>: discriminant at 0, the payload at 4. */
bool gofer_time_zone_offset(const char *zone, int64_t at_ms, int32_t *minutes,
                            const char **error) {
  _Alignas(8) uint8_t ret[12];
  host_time_zone_offset(zone, strlen(zone), at_ms, ret);
  if (ret[0] == 0) {
    *minutes = *(int32_t *)(ret + 4);
    return true;
  }
  *error = take_host_error(ret, 4);
  return false;
}

const char *gofer_kv_get(const gofer_kv *kv, const char *key) {
  for (size_t i = 0; i < kv->len; i++) {
    if (strcmp(kv->entries[i].key.ptr, key) == 0) return kv->entries[i].value.ptr;
  }
  return NULL;
}

const char *gofer_errorf(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(error_buffer, sizeof error_buffer, fmt, args);
  va_end(args);
  return error_buffer;
}
