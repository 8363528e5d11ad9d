/*
 * fake_nvml.c: a stand-in for libnvidia-ml.so.1, so that the FFM bindings can be tested
 * through the real dlopen/downcall path on machines without a GPU. Test fixture only: it is
 * compiled by FakeNvmlLibrary (test code) into target/ and never shipped.
 *
 * The NVML types below are written from the signatures and layouts in NVIDIA's nvml.h as
 * summarised in REFERENCE.md section 9; fake_nvml_sizeof/fake_nvml_offsetof export what this
 * compiler makes of them so that the Java layouts can be checked against C.
 *
 * Default state (after load and after fake_nvml_reset): 2 GPUs, driver "560.35.03".
 *
 *   field                   GPU 0                                     GPU 1
 *   uuid                    GPU-00000000-1111-2222-3333-444444444444  GPU-55555555-6666-7777-8888-999999999999
 *   name                    Fake NVIDIA H100 80GB HBM3                Fake NVIDIA L4
 *   memory total            85899345920 (80 GiB)                      25769803776 (24 GiB)
 *   memory reserved (v2)    536870912 (512 MiB)                       268435456 (256 MiB)
 *   memory used (v2)        21474836480 (20 GiB)                      12884901888 (12 GiB)
 *   memory free             total - reserved - used                   idem
 *   utilization gpu/memory  75 % / 40 %                               100 % / 5 %
 *   power usage             350000 mW                                 70250 mW
 *   enforced power limit    700000 mW                                 72000 mW
 *   temperature (sensor 0)  65 C                                      83 C
 *   clocks event reasons    0x0                                       0x24 (SwPowerCap | SwThermalSlowdown)
 *   total energy            123456789 mJ                              987654321 mJ
 *   MIG mode current/pend.  0 / 0                                     NVML_ERROR_NOT_SUPPORTED
 *
 * GPUs 2.. (fake_nvml_set_device_count) copy GPU 0's values with uuid
 * GPU-00000000-0000-0000-0000-0000000000NN and name "Fake NVIDIA GPU NN".
 *
 * The v1 nvmlDeviceGetMemoryInfo reports used = used + reserved (as real drivers do: v1 has no
 * reserved field and counts it as used) and the same free.
 *
 * Compile-time variants (-D):
 *   FAKE_NVML_NO_MEMORY_INFO_V2  no nvmlDeviceGetMemoryInfo_v2 symbol (old driver)
 *   FAKE_NVML_NO_TOTAL_ENERGY    no nvmlDeviceGetTotalEnergyConsumption symbol
 *   FAKE_NVML_NO_INIT_V2         no nvmlInit_v2 symbol (a library that is not a usable NVML)
 *
 * Control functions (fake_nvml_*) are exported next to the NVML ones; see each below.
 * Like NVML's own state, all of this is process-global and not thread-safe.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;

enum {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_LIBRARY_NOT_FOUND = 12,
  NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_RESET_REQUIRED = 16,
  NVML_ERROR_NO_DATA = 21,
  NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
  NVML_ERROR_UNKNOWN = 999
};

typedef struct fake_device *nvmlDevice_t;

typedef struct {
  unsigned int gpu;
  unsigned int memory;
} nvmlUtilization_t;

typedef struct {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

typedef struct {
  unsigned int version;
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_v2_t;

/* NVML_STRUCT_VERSION(Memory, 2): sizeof | version << 24 = 0x02000028 */
#define NVML_MEMORY_V2_VERSION ((unsigned int)(sizeof(nvmlMemory_v2_t) | (2u << 24)))

#define UUID_BUFFER_SIZE 96
#define NAME_BUFFER_SIZE 96
#define MAX_DEVICES 64

/* Device functions whose return code a test can force, by NVML function name. */
enum fn {
  FN_HANDLE_BY_INDEX,
  FN_UUID,
  FN_NAME,
  FN_MEMORY,
  FN_MEMORY_V2,
  FN_UTILIZATION,
  FN_POWER,
  FN_POWER_LIMIT,
  FN_TEMPERATURE,
  FN_CLOCKS_EVENT_REASONS,
  FN_ENERGY,
  FN_MIG_MODE,
  FN_COUNT
};

static const char *const FN_NAMES[FN_COUNT] = {
  "nvmlDeviceGetHandleByIndex_v2",
  "nvmlDeviceGetUUID",
  "nvmlDeviceGetName",
  "nvmlDeviceGetMemoryInfo",
  "nvmlDeviceGetMemoryInfo_v2",
  "nvmlDeviceGetUtilizationRates",
  "nvmlDeviceGetPowerUsage",
  "nvmlDeviceGetEnforcedPowerLimit",
  "nvmlDeviceGetTemperature",
  "nvmlDeviceGetCurrentClocksEventReasons",
  "nvmlDeviceGetTotalEnergyConsumption",
  "nvmlDeviceGetMigMode",
};

struct fake_device {
  char uuid[UUID_BUFFER_SIZE];
  char name[NAME_BUFFER_SIZE];
  unsigned long long mem_total, mem_reserved, mem_used;
  unsigned int util_gpu, util_memory;
  unsigned int power_mw, power_limit_mw, temperature_c;
  unsigned long long clocks_event_reasons, energy_mj;
  unsigned int mig_current, mig_pending;
  nvmlReturn_t forced[FN_COUNT];   /* 0: behave normally */
  long long calls_before_loss;     /* -1: never lost */
  nvmlReturn_t loss_code;          /* returned once calls_before_loss reached 0 */
  nvmlReturn_t lost;               /* 0 while healthy */
};

static struct fake_device devices[MAX_DEVICES];
static unsigned int device_count;
static int init_depth;             /* NVML counts nvmlInit/nvmlShutdown pairs */
static nvmlReturn_t init_failure;
static long init_calls, shutdown_calls;
static long long query_calls;
static const char *driver_version;

static void default_device(struct fake_device *d, unsigned int index) {
  memset(d, 0, sizeof *d);
  snprintf(d->uuid, sizeof d->uuid, "GPU-00000000-0000-0000-0000-0000000000%02u", index);
  snprintf(d->name, sizeof d->name, "Fake NVIDIA GPU %02u", index);
  d->mem_total = 85899345920ULL;
  d->mem_reserved = 536870912ULL;
  d->mem_used = 21474836480ULL;
  d->util_gpu = 75;
  d->util_memory = 40;
  d->power_mw = 350000;
  d->power_limit_mw = 700000;
  d->temperature_c = 65;
  d->clocks_event_reasons = 0;
  d->energy_mj = 123456789ULL;
  d->mig_current = 0;
  d->mig_pending = 0;
  d->calls_before_loss = -1;
}

/* Restores the documented default state (2 GPUs, nothing forced, not initialised). */
EXPORT void fake_nvml_reset(void) {
  for (unsigned int i = 0; i < MAX_DEVICES; i++) default_device(&devices[i], i);
  struct fake_device *h100 = &devices[0];
  snprintf(h100->uuid, sizeof h100->uuid, "GPU-00000000-1111-2222-3333-444444444444");
  snprintf(h100->name, sizeof h100->name, "Fake NVIDIA H100 80GB HBM3");

  struct fake_device *l4 = &devices[1];
  snprintf(l4->uuid, sizeof l4->uuid, "GPU-55555555-6666-7777-8888-999999999999");
  snprintf(l4->name, sizeof l4->name, "Fake NVIDIA L4");
  l4->mem_total = 25769803776ULL;
  l4->mem_reserved = 268435456ULL;
  l4->mem_used = 12884901888ULL;
  l4->util_gpu = 100;
  l4->util_memory = 5;
  l4->power_mw = 70250;
  l4->power_limit_mw = 72000;
  l4->temperature_c = 83;
  l4->clocks_event_reasons = 0x24;
  l4->energy_mj = 987654321ULL;
  l4->forced[FN_MIG_MODE] = NVML_ERROR_NOT_SUPPORTED;

  device_count = 2;
  init_depth = 0;
  init_failure = NVML_SUCCESS;
  init_calls = 0;
  shutdown_calls = 0;
  query_calls = 0;
  driver_version = "560.35.03";
}

/* Runs when the library is loaded, so the default state needs no control call. */
__attribute__((constructor)) static void fake_nvml_load(void) { fake_nvml_reset(); }

/* Sets how many GPUs nvmlDeviceGetCount_v2 reports (0..64); returns 0, or -1 when out of range. */
EXPORT int fake_nvml_set_device_count(unsigned int count) {
  if (count > MAX_DEVICES) return -1;
  device_count = count;
  return 0;
}

/* Makes every later nvmlInit_v2 return code (NVML_SUCCESS to undo). */
EXPORT void fake_nvml_fail_init(int code) { init_failure = code; }

/*
 * GPU index stays healthy for `calls` more device calls (any nvmlDevice* query on it), then
 * every call on it returns code (NVML_ERROR_GPU_IS_LOST, NVML_ERROR_RESET_REQUIRED, ...).
 * calls = 0 loses it at once. Returns 0, or -1 for a bad index.
 */
EXPORT int fake_nvml_lose_gpu_after(unsigned int index, long long calls, int code) {
  if (index >= MAX_DEVICES) return -1;
  devices[index].calls_before_loss = calls;
  devices[index].loss_code = code;
  return 0;
}

/* Forces the NVML function named `function` to return code for GPU index (0 to undo).
 * Returns 0, or -1 for a bad index or an unknown function name. */
EXPORT int fake_nvml_set_return(unsigned int index, const char *function, int code) {
  if (index >= MAX_DEVICES || function == NULL) return -1;
  for (int f = 0; f < FN_COUNT; f++) {
    if (strcmp(FN_NAMES[f], function) == 0) {
      devices[index].forced[f] = code;
      return 0;
    }
  }
  return -1;
}

/* Sets one raw value of GPU index. Fields: memTotal memReserved memUsed utilGpu utilMemory
 * powerMw powerLimitMw temperatureC clocksEventReasons energyMj migCurrent migPending.
 * Returns 0, or -1 for a bad index or field. */
EXPORT int fake_nvml_set_value(unsigned int index, const char *field, unsigned long long value) {
  if (index >= MAX_DEVICES || field == NULL) return -1;
  struct fake_device *d = &devices[index];
#define FIELD(key, member) if (strcmp(field, key) == 0) { d->member = value; return 0; }
  FIELD("memTotal", mem_total)
  FIELD("memReserved", mem_reserved)
  FIELD("memUsed", mem_used)
  FIELD("utilGpu", util_gpu)
  FIELD("utilMemory", util_memory)
  FIELD("powerMw", power_mw)
  FIELD("powerLimitMw", power_limit_mw)
  FIELD("temperatureC", temperature_c)
  FIELD("clocksEventReasons", clocks_event_reasons)
  FIELD("energyMj", energy_mj)
  FIELD("migCurrent", mig_current)
  FIELD("migPending", mig_pending)
#undef FIELD
  return -1;
}

EXPORT long fake_nvml_init_calls(void) { return init_calls; }
EXPORT long fake_nvml_shutdown_calls(void) { return shutdown_calls; }
/* NVML's init depth: >0 while some caller has initialised and not shut down. */
EXPORT int fake_nvml_init_depth(void) { return init_depth; }
/* Device query calls made so far (how a test knows samples really reached the library). */
EXPORT long long fake_nvml_query_calls(void) { return query_calls; }

/* sizeof / offsetof of the NVML structs as this compiler lays them out; -1 when unknown. */
EXPORT long fake_nvml_sizeof(const char *type) {
  if (strcmp(type, "nvmlUtilization_t") == 0) return (long)sizeof(nvmlUtilization_t);
  if (strcmp(type, "nvmlMemory_t") == 0) return (long)sizeof(nvmlMemory_t);
  if (strcmp(type, "nvmlMemory_v2_t") == 0) return (long)sizeof(nvmlMemory_v2_t);
  return -1;
}

EXPORT long fake_nvml_offsetof(const char *type, const char *field) {
#define OFFSET(t, f) if (strcmp(type, #t) == 0 && strcmp(field, #f) == 0) return (long)offsetof(t, f);
  OFFSET(nvmlUtilization_t, gpu)
  OFFSET(nvmlUtilization_t, memory)
  OFFSET(nvmlMemory_t, total)
  OFFSET(nvmlMemory_t, free)
  OFFSET(nvmlMemory_t, used)
  OFFSET(nvmlMemory_v2_t, version)
  OFFSET(nvmlMemory_v2_t, total)
  OFFSET(nvmlMemory_v2_t, reserved)
  OFFSET(nvmlMemory_v2_t, free)
  OFFSET(nvmlMemory_v2_t, used)
#undef OFFSET
  return -1;
}

EXPORT unsigned int fake_nvml_memory_v2_version(void) { return NVML_MEMORY_V2_VERSION; }

/* ---- NVML ---------------------------------------------------------------------------- */

EXPORT const char *nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML Shared Library Not Found";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_RESET_REQUIRED: return "GPU requires reset";
    case NVML_ERROR_NO_DATA: return "No data";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Argument version mismatch";
    default: return "Unknown Error";
  }
}

#ifndef FAKE_NVML_NO_INIT_V2
EXPORT nvmlReturn_t nvmlInit_v2(void) {
  init_calls++;
  if (init_failure != NVML_SUCCESS) return init_failure;
  init_depth++;
  return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlShutdown(void) {
  shutdown_calls++;
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  init_depth--;
  return NVML_SUCCESS;
}

static nvmlReturn_t copy_string(const char *value, char *out, unsigned int length) {
  if (out == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  if (strlen(value) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  strcpy(out, value);
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  return copy_string(driver_version, version, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  if (count == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *count = device_count;
  return NVML_SUCCESS;
}

/* Common entry of every device call: init, handle and loss checks, forced return codes. */
static nvmlReturn_t enter(nvmlDevice_t device, enum fn function) {
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  if (device < devices || device >= devices + device_count) return NVML_ERROR_INVALID_ARGUMENT;
  query_calls++;
  if (device->lost) return device->lost;
  if (device->calls_before_loss == 0) {
    device->calls_before_loss = -1;
    device->lost = device->loss_code;
    return device->lost;
  }
  if (device->calls_before_loss > 0) device->calls_before_loss--;
  return device->forced[function];
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  if (index >= device_count || device == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  nvmlReturn_t rc = enter(&devices[index], FN_HANDLE_BY_INDEX);
  if (rc != NVML_SUCCESS) return rc;
  *device = &devices[index];
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
  if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
  if (uuid == NULL || device == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  for (unsigned int i = 0; i < device_count; i++) {
    if (strcmp(devices[i].uuid, uuid) == 0) {
      *device = &devices[i];
      return NVML_SUCCESS;
    }
  }
  return NVML_ERROR_NOT_FOUND;
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  nvmlReturn_t rc = enter(device, FN_UUID);
  return rc != NVML_SUCCESS ? rc : copy_string(device->uuid, uuid, length);
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  nvmlReturn_t rc = enter(device, FN_NAME);
  return rc != NVML_SUCCESS ? rc : copy_string(device->name, name, length);
}

static unsigned long long free_of(const struct fake_device *d) {
  return d->mem_total - d->mem_reserved - d->mem_used;
}

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
  nvmlReturn_t rc = enter(device, FN_MEMORY);
  if (rc != NVML_SUCCESS) return rc;
  if (memory == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  memory->total = device->mem_total;
  memory->free = free_of(device);
  memory->used = device->mem_used + device->mem_reserved;
  return NVML_SUCCESS;
}

#ifndef FAKE_NVML_NO_MEMORY_INFO_V2
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
  nvmlReturn_t rc = enter(device, FN_MEMORY_V2);
  if (rc != NVML_SUCCESS) return rc;
  if (memory == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  /* Real drivers reject a struct whose version field the caller did not set. */
  if (memory->version != NVML_MEMORY_V2_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
  memory->total = device->mem_total;
  memory->reserved = device->mem_reserved;
  memory->free = free_of(device);
  memory->used = device->mem_used;
  return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u) {
  nvmlReturn_t rc = enter(device, FN_UTILIZATION);
  if (rc != NVML_SUCCESS) return rc;
  if (u == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  u->gpu = device->util_gpu;
  u->memory = device->util_memory;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *milliwatts) {
  nvmlReturn_t rc = enter(device, FN_POWER);
  if (rc != NVML_SUCCESS) return rc;
  if (milliwatts == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *milliwatts = device->power_mw;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *milliwatts) {
  nvmlReturn_t rc = enter(device, FN_POWER_LIMIT);
  if (rc != NVML_SUCCESS) return rc;
  if (milliwatts == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *milliwatts = device->power_limit_mw;
  return NVML_SUCCESS;
}

#ifndef FAKE_NVML_NO_TOTAL_ENERGY
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *mj) {
  nvmlReturn_t rc = enter(device, FN_ENERGY);
  if (rc != NVML_SUCCESS) return rc;
  if (mj == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *mj = device->energy_mj;
  return NVML_SUCCESS;
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *c) {
  nvmlReturn_t rc = enter(device, FN_TEMPERATURE);
  if (rc != NVML_SUCCESS) return rc;
  if (sensor != 0 || c == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *c = device->temperature_c;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *bits) {
  nvmlReturn_t rc = enter(device, FN_CLOCKS_EVENT_REASONS);
  if (rc != NVML_SUCCESS) return rc;
  if (bits == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *bits = device->clocks_event_reasons;
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending) {
  nvmlReturn_t rc = enter(device, FN_MIG_MODE);
  if (rc != NVML_SUCCESS) return rc;
  if (current == NULL || pending == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *current = device->mig_current;
  *pending = device->mig_pending;
  return NVML_SUCCESS;
}
