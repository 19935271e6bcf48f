/*
 * A guest that misbehaves on request, for the kernel's containment tests. It keeps the labels
 * it is subscribed under; its external events are commands: `count` (per-instance state),
 * `state` (the labels), `spin` (a loop that never ends), `trap` (a wasm trap) and `grow`
 * (allocates until the memory cap stops it, then aborts as an allocator failure does).
 */
#include "gofer_extension.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char labels[1024];
static int count;
static char answer[1100];

static const gofer_extension_info_t info = {"hostile", "0.0.0", "Test guest.", NULL, 0, NULL, 0};

const gofer_extension_info_t *gofer_extension_info(void) { return &info; }

const char *gofer_extension_subscribe(const gofer_subscription_ref *ref, const gofer_kv *settings) {
  (void)settings;
  if (strlen(labels) + ref->label.len + 2 >= sizeof labels) return "too many subscriptions";
  if (labels[0]) strcat(labels, ",");
  strcat(labels, ref->label.ptr);
  return NULL;
}

/* The chunks are chained from a global so that the compiler cannot drop the allocations. */
static void *kept;

static void grow(void) {
  for (;;) {
    void **chunk = malloc(1 << 20);
    if (!chunk) __builtin_trap();
    memset(chunk, 1, 1 << 20);
    *chunk = kept;
    kept = chunk;
  }
}

const char *gofer_extension_external_event(const gofer_kv *headers, const uint8_t *body,
                                           size_t body_len, gofer_response *out) {
  (void)headers;
  char command[16] = {0};
  memcpy(command, body, body_len < sizeof command - 1 ? body_len : sizeof command - 1);
  if (!strcmp(command, "count")) {
    snprintf(answer, sizeof answer, "%d", ++count);
  } else if (!strcmp(command, "state")) {
    snprintf(answer, sizeof answer, "subs=%s", labels);
  } else if (!strcmp(command, "spin")) {
    for (volatile int i = 0;; i++) {
    }
  } else if (!strcmp(command, "trap")) {
    __builtin_trap();
  } else if (!strcmp(command, "grow")) {
    grow();
  } else {
    return gofer_errorf("unknown command \"%s\"", command);
  }
  *out = (gofer_response){200, answer, strlen(answer)};
  return NULL;
}
