/*
 * A guest that imports WASI 0.2 directly (hand-lowered like the SDK's own imports) and reports
 * what it can reach: the environment, the preopened directories, and whether it can open a TCP
 * socket and connect it to the loopback discard port. Its one command is `report`.
 */
#include "gofer_extension.h"

#include <stdio.h>
#include <string.h>

#define WASI(module, name) __attribute__((import_module(module), import_name(name)))

WASI("wasi:cli/environment@0.2.12", "get-environment") extern void get_environment(uint32_t *ret);
WASI("wasi:filesystem/preopens@0.2.12", "get-directories")
extern void get_directories(uint32_t *ret);
WASI("wasi:sockets/instance-network@0.2.12", "instance-network") extern int32_t instance_network(void);
WASI("wasi:sockets/tcp-create-socket@0.2.12", "create-tcp-socket")
extern void create_tcp_socket(int32_t family, uint8_t *ret);
/* self, network, then ip-socket-address flattened: case, port, 4 octets, padding to ipv6's 11. */
WASI("wasi:sockets/tcp@0.2.12", "[method]tcp-socket.start-connect")
extern void start_connect(int32_t self, int32_t network, int32_t address_case, int32_t port,
                          int32_t a, int32_t b, int32_t c, int32_t d, int32_t p0, int32_t p1,
                          int32_t p2, int32_t p3, int32_t p4, int32_t p5, uint8_t *ret);

static char answer[512];

static const gofer_extension_info_t info = {"wasi-hostile", "0.0.0", "Test guest.", NULL, 0,
                                            NULL,           0};

const gofer_extension_info_t *gofer_extension_info(void) { return &info; }

/* result<T, error-code>: discriminant at 0, the handle or the error code at 4. */
static void try_socket(char *out, size_t size) {
  _Alignas(4) uint8_t ret[8];
  create_tcp_socket(0 /* ipv4 */, ret);
  if (ret[0]) {
    snprintf(out, size, "refused at create: error-code %u", ret[4]);
    return;
  }
  int32_t socket = *(int32_t *)(ret + 4);
  start_connect(socket, instance_network(), 0, 9, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, ret);
  if (ret[0]) snprintf(out, size, "refused at connect: error-code %u", ret[4]);
  else snprintf(out, size, "connecting");
}

const char *gofer_extension_external_event(const gofer_kv *headers, const uint8_t *body,
                                           size_t body_len, gofer_response *out) {
  (void)headers;
  if (body_len != 6 || memcmp(body, "report", 6)) return "the only command is \"report\"";
  uint32_t env[2], dirs[2];
  get_environment(env);
  get_directories(dirs);
  char socket[128];
  try_socket(socket, sizeof socket);
  snprintf(answer, sizeof answer, "environment=%u directories=%u socket=%s", env[1], dirs[1],
           socket);
  *out = (gofer_response){200, answer, strlen(answer)};
  return NULL;
}
