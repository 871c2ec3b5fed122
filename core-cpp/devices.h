// Devices that run programs (issue 19): one program, the same bytecode, on each device of a
// mesh at once, each on a thread of its own with its own slot table (device d runs on pool
// thread d; thread 0 is the calling thread). Collectives are instructions (OP_COLLECTIVE) that
// meet at shared-memory barriers; host calls made on a device are run by the calling thread.
#pragma once
#include <stdint.h>

#include "threads.h"

namespace wj {

constexpr int kMaxDevices = kMaxThreads;
constexpr int kMaxMeshRank = 8;

// What the host fills before run_devices.
struct DeviceRun {
  int32_t n;                          // devices in the job: mesh positions 0 .. n-1
  int32_t mesh_rank;
  int32_t mesh_sizes[kMaxMeshRank];   // the mesh's axis sizes (positions are row-major coordinates)
  int32_t tid[kMaxDevices];           // the pool thread that runs position p
  uint8_t* const* slots[kMaxDevices]; // position p's slot table
  int32_t caller_waits;               // the calling thread may block (memory.atomic.wait): not a browser's main thread
};
extern DeviceRun g_device_run;

// The slot table of the host call under way (the host reads its buffers' addresses there).
extern uint8_t* const* g_host_slots;

// Runs code on every device of g_device_run and returns when all are done; after a fault on
// any device (a trap, a worker lost, an exception in a host call) every device is released
// from its barriers and stopped, and the call traps to report it (threads.h pool_recover).
void run_devices(const int32_t* code, int32_t n_words);

// The interpreter's side: OP_HOST (on a device thread: run by the calling thread), OP_COLLECTIVE,
// and the check between instructions that a device program should stop.
void host_call(int32_t id, uint8_t* const* slots);
void run_collective(const int32_t* p, uint8_t* const* slots);
void device_step();

// Test hooks: device thread `tid` traps (kind 1) or its thread ends (kind 2) at its next
// collective.
void test_device_hook(int32_t kind, int32_t tid);

}  // namespace wj
