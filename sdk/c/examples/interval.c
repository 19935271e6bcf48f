/*
 * The interval extension in C, with the behaviour of extensions/interval/interval-extension.ts:
 * a run of each subscribed pipeline every `every`, on a grid anchored at the subscription's
 * phase (gofer_anchor_ms, kept by the kernel), and at most one catch-up run for grid points
 * missed while the extension was down (judged from gofer_last_run_ms).
 */
#include "../gofer_extension.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MIN_EVERY "1m"

typedef struct {
  char *namespace_, *pipeline, *label;
  int64_t every;
  bool has_anchor, has_last_k, has_last_run;
  int64_t anchor, last_k, last_run;
} subscription;

static int64_t min_every = 60000;
static subscription *subs;
static size_t subs_len, subs_cap;

/* Durations as sdk/config/duration.ts reads them: one or more <number><ms|s|m|h> parts. */
static bool parse_duration(const char *text, int64_t *out) {
  double total = 0;
  const char *p = text;
  if (*p == 0) return false;
  while (*p) {
    if (*p < '0' || *p > '9') return false;
    double value = 0;
    while (*p >= '0' && *p <= '9') value = value * 10 + (*p++ - '0');
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
      double scale = 1;
      for (p++; *p >= '0' && *p <= '9'; p++) value += (*p - '0') * (scale /= 10);
    }
    double unit;
    if (p[0] == 'm' && p[1] == 's') unit = 1, p += 2;
    else if (*p == 's') unit = 1000, p++;
    else if (*p == 'm') unit = 60000, p++;
    else if (*p == 'h') unit = 3600000, p++;
    else return false;
    total += value * unit;
  }
  *out = (int64_t)__builtin_floor(total + 0.5);
  return true;
}

static const char *duration_setting(const char *name, const char *text, int64_t *out) {
  if (!parse_duration(text, out) || *out <= 0) {
    return gofer_errorf("%s \"%s\" is not a duration; write it like \"30s\", \"5m\" or \"1h30m\"",
                        name, text);
  }
  return NULL;
}

static const char *epoch_setting(const char *name, const char *text, bool *has, int64_t *out) {
  *has = false;
  if (!text || !*text) return NULL;
  int64_t value = 0;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9' || value > 900719925474099) {
      return gofer_errorf("%s \"%s\" is not an epoch time in ms; the kernel sets it, not users",
                          name, text);
    }
    value = value * 10 + (*p - '0');
  }
  *has = true;
  *out = value;
  return NULL;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static subscription *find(const gofer_subscription_ref *ref) {
  for (size_t i = 0; i < subs_len; i++) {
    subscription *s = &subs[i];
    if (!strcmp(s->namespace_, ref->namespace_.ptr) && !strcmp(s->pipeline, ref->pipeline.ptr) &&
        !strcmp(s->label, ref->label.ptr))
      return s;
  }
  return NULL;
}

/* ISO 8601 in UTC with milliseconds, as JavaScript's Date.prototype.toISOString writes it. */
static void iso_time(int64_t ms, char *out, size_t size) {
  int64_t days = floor_div(ms, 86400000), rem = ms - days * 86400000;
  int64_t z = days + 719468, era = floor_div(z, 146097), doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  snprintf(out, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", (long long)year,
           (long long)month, (long long)day, (long long)(rem / 3600000),
           (long long)(rem / 60000 % 60), (long long)(rem / 1000 % 60), (long long)(rem % 1000));
}

static void start_run(subscription *s, int64_t at) {
  char when[40], reason[160];
  iso_time(at, when, sizeof when);
  snprintf(reason, sizeof reason, "interval: every %lld ms, due at %s", (long long)s->every, when);
  gofer_subscription_ref ref = {{s->namespace_, strlen(s->namespace_)},
                                {s->pipeline, strlen(s->pipeline)},
                                {s->label, strlen(s->label)}};
  uint64_t run;
  const char *error;
  if (gofer_start_run(&ref, NULL, reason, &run, &error)) {
    gofer_log(GOFER_LOG_DEBUG, "started run %llu of %s/%s/%s", (unsigned long long)run,
              s->namespace_, s->pipeline, s->label);
  } else {
    gofer_log(GOFER_LOG_ERROR, "could not start a run of %s/%s/%s: %s", s->namespace_,
              s->pipeline, s->label, error);
  }
}

/* Fires at most once per call: the newest grid point at or before `now` that has no run yet. */
static int64_t advance(subscription *s, int64_t now) {
  if (!s->has_anchor) s->anchor = now, s->has_anchor = true;
  int64_t k = floor_div(now - s->anchor, s->every);
  if (!s->has_last_k) {
    int64_t seen = s->has_last_run ? s->last_run : now;
    int64_t last = floor_div(seen - s->anchor, s->every);
    s->last_k = last > 0 ? last : 0;
    s->has_last_k = true;
  }
  if (k > s->last_k) {
    s->last_k = k;
    start_run(s, s->anchor + k * s->every);
  }
  return s->anchor + ((k > 0 ? k : 0) + 1) * s->every - now;
}

static const gofer_param config_params[] = {
    {"min_every", false, "Shortest interval a subscription may ask for (default \"1m\")."}};
static const gofer_param subscription_params[] = {
    {"every", true, "How often to start a run, e.g. \"5m\"."}};
static const gofer_extension_info_t info = {
    "interval",
    "0.1.0",
    "Starts a run of each subscribed pipeline every `every` (a duration such as \"5m\"). Runs "
    "keep the phase of the subscription across restarts; ticks missed while the extension was "
    "down produce at most one catch-up run.",
    config_params,
    1,
    subscription_params,
    1,
};

const gofer_extension_info_t *gofer_extension_info(void) { return &info; }

const char *gofer_extension_init(const gofer_kv *config) {
  const char *text = gofer_kv_get(config, "min_every");
  return duration_setting("min_every", text ? text : DEFAULT_MIN_EVERY, &min_every);
}

const char *gofer_extension_subscribe(const gofer_subscription_ref *ref, const gofer_kv *settings) {
  const char *every_text = gofer_kv_get(settings, "every");
  if (!every_text) return "setting \"every\" is required; subscribe with --setting every=5m, say";
  subscription next = {0};
  const char *err = duration_setting("every", every_text, &next.every);
  if (err) return err;
  if (next.every < min_every) {
    return gofer_errorf("every \"%s\" is below this installation's minimum of %lld ms (config "
                        "min_every); choose a longer interval",
                        every_text, (long long)min_every);
  }
  err = epoch_setting("gofer_anchor_ms", gofer_kv_get(settings, "gofer_anchor_ms"),
                      &next.has_anchor, &next.anchor);
  if (!err)
    err = epoch_setting("gofer_last_run_ms", gofer_kv_get(settings, "gofer_last_run_ms"),
                        &next.has_last_run, &next.last_run);
  if (err) return err;

  subscription *existing = find(ref);
  if (existing && existing->every == next.every && existing->has_anchor == next.has_anchor &&
      (!next.has_anchor || existing->anchor == next.anchor))
    return NULL;
  if (!existing) {
    if (subs_len == subs_cap) {
      subs_cap = subs_cap ? subs_cap * 2 : 4;
      subs = realloc(subs, subs_cap * sizeof *subs);
    }
    existing = &subs[subs_len++];
    next.namespace_ = strdup(ref->namespace_.ptr);
    next.pipeline = strdup(ref->pipeline.ptr);
    next.label = strdup(ref->label.ptr);
  } else {
    next.namespace_ = existing->namespace_;
    next.pipeline = existing->pipeline;
    next.label = existing->label;
  }
  *existing = next;
  return NULL;
}

static void drop(size_t i) {
  free(subs[i].namespace_);
  free(subs[i].pipeline);
  free(subs[i].label);
  memmove(&subs[i], &subs[i + 1], (subs_len - i - 1) * sizeof *subs);
  subs_len--;
}

/* Removing what is not there is harmless, as subscribing twice is: the kernel may replay both. */
const char *gofer_extension_unsubscribe(const gofer_subscription_ref *ref) {
  subscription *s = find(ref);
  if (s) drop((size_t)(s - subs));
  return NULL;
}

uint64_t gofer_extension_tick(uint64_t now_ms) {
  int64_t wait = 0;
  for (size_t i = 0; i < subs_len; i++) {
    int64_t due = advance(&subs[i], (int64_t)now_ms);
    if (wait == 0 || due < wait) wait = due;
  }
  return wait > 0 ? (uint64_t)wait : 0;
}

void gofer_extension_shutdown(void) {
  while (subs_len) drop(subs_len - 1);
}
