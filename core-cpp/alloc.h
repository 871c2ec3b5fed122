#pragma once
#include <stddef.h>
#include <stdint.h>

namespace wj {

// The allocator over the wasm linear memory (core-cpp/alloc.cpp): 16-byte aligned blocks,
// freed memory reused for any size. Safe from any thread.
void* alloc(size_t size);
void free(void* ptr);

// For array data and programs (bindings' wj_malloc): fails rather than grow the heap past the
// limit set by set_heap_limit, so the host can evict arrays and retry. Kernel scratch uses alloc.
void* alloc_limited(uint64_t size);
void set_heap_limit(uint64_t end);  // an address; the heap may always reuse memory below it

struct HeapStats {
  uint32_t base;          // the first block's address
  uint32_t top;           // one past the last block
  uint64_t free_bytes;    // in free blocks, headers included
  uint64_t largest_free;  // the largest allocation that succeeds without growing past memory's size
};
HeapStats heap_stats();

}  // namespace wj
