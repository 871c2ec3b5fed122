// A two-level segregated-fit allocator (TLSF's design) over the wasm linear memory, so the
// module needs no libc malloc. Every block starts with a 16-byte header; free neighbours merge
// at once, so freed memory serves any later size, and no size is rounded up past its block.
//
// Free blocks live in lists by size class: a first level by power of two, 16 second-level
// classes within each. A request takes the first non-empty class whose every block is big
// enough (two bitmap scans); failing that, it scans its own class for a block that fits, so an
// allocation of the largest free block's size always succeeds. Only then does the heap grow.
#include "alloc.h"

#include <stdint.h>

extern "C" unsigned char __heap_base;  // first byte after data and the main stack (wasm-ld)

namespace wj {
namespace {

constexpr uint32_t kHeader = 16;
constexpr uint32_t kMinBlock = 32;  // a header and 16 payload bytes
constexpr uint64_t kPage = 65536;
constexpr uint64_t kMaxHeap = uint64_t{1} << 32;
constexpr uint64_t kGrowChunk = uint64_t{4} << 20;  // grow at least this much, fewer grows
constexpr int kSlBits = 4;
constexpr int kSlCount = 1 << kSlBits;
constexpr int kFlCount = 26;  // sizes in 16-byte units below 2^28 (4 GiB)

struct Block {
  uint32_t prev_phys;  // header address of the block before this one in memory, 0 for the first
  uint32_t size;       // bytes including this header; bit 0 set while free
  uint32_t next_free;  // free-list links while free (header addresses, 0 = none)
  uint32_t prev_free;
};

uint32_t g_fl_map = 0;
uint32_t g_sl_map[kFlCount];
uint32_t g_lists[kFlCount][kSlCount];
uint32_t g_base = 0;  // first block's header
uint32_t g_top = 0;   // one past the last block
uint32_t g_last = 0;  // the last block's header, 0 while the heap is empty
uint64_t g_limit = kMaxHeap;  // limited requests may not grow the heap past this address
uint64_t g_free_bytes = 0;
int32_t g_lock = 0;

struct Lock {
  Lock() {
    while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE)) {
    }
  }
  ~Lock() { __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE); }
};

inline Block* at(uint32_t addr) { return reinterpret_cast<Block*>(static_cast<uintptr_t>(addr)); }
inline uint32_t addr_of(Block* b) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(b)); }
inline uint32_t size_of(const Block* b) { return b->size & ~1u; }
inline bool is_free(const Block* b) { return b->size & 1u; }
inline int log2_floor(uint32_t x) { return 31 - __builtin_clz(x); }

// The class of a block of `size` bytes: exact classes of 16 bytes below 256, then 16 per power of two.
void mapping(uint32_t size, int* fl, int* sl) {
  uint32_t u = size >> 4;
  if (u < kSlCount) {
    *fl = 0;
    *sl = static_cast<int>(u);
  } else {
    int f = log2_floor(u);
    *fl = f - kSlBits + 1;
    *sl = static_cast<int>((u >> (f - kSlBits)) & (kSlCount - 1));
  }
}

void insert(Block* b) {
  int fl, sl;
  mapping(size_of(b), &fl, &sl);
  uint32_t head = g_lists[fl][sl];
  b->next_free = head;
  b->prev_free = 0;
  if (head) at(head)->prev_free = addr_of(b);
  g_lists[fl][sl] = addr_of(b);
  g_fl_map |= 1u << fl;
  g_sl_map[fl] |= 1u << sl;
  b->size |= 1u;
  g_free_bytes += size_of(b);
}

void unlink(Block* b) {
  int fl, sl;
  mapping(size_of(b), &fl, &sl);
  if (b->prev_free) at(b->prev_free)->next_free = b->next_free;
  else g_lists[fl][sl] = b->next_free;
  if (b->next_free) at(b->next_free)->prev_free = b->prev_free;
  if (!g_lists[fl][sl]) {
    g_sl_map[fl] &= ~(1u << sl);
    if (!g_sl_map[fl]) g_fl_map &= ~(1u << fl);
  }
  b->size &= ~1u;
  g_free_bytes -= size_of(b);
}

Block* next_phys(Block* b) {
  uint32_t n = addr_of(b) + size_of(b);
  return n < g_top ? at(n) : nullptr;
}

// A free block of at least `size` bytes, unlinked, or null.
Block* find_free(uint32_t size) {
  // Round up to the next class boundary: every block there and above is big enough.
  uint64_t rounded = size;
  if ((size >> 4) >= kSlCount) rounded += (uint64_t{1} << (log2_floor(size >> 4) - kSlBits + 4)) - 1;
  if (rounded < (uint64_t{1} << 32)) {
    int fl, sl;
    mapping(static_cast<uint32_t>(rounded), &fl, &sl);
    uint32_t sl_map = g_sl_map[fl] & (~0u << sl);
    if (!sl_map) {
      uint32_t fl_map = fl + 1 < 32 ? g_fl_map & (~0u << (fl + 1)) : 0;
      if (fl_map) {
        fl = __builtin_ctz(fl_map);
        sl_map = g_sl_map[fl];
      }
    }
    if (sl_map) {
      Block* b = at(g_lists[fl][__builtin_ctz(sl_map)]);
      unlink(b);
      return b;
    }
  }
  // The request's own class may still hold a block that fits.
  int fl, sl;
  mapping(size, &fl, &sl);
  for (uint32_t a = g_lists[fl][sl]; a; a = at(a)->next_free) {
    if (size_of(at(a)) >= size) {
      unlink(at(a));
      return at(a);
    }
  }
  return nullptr;
}

// Cuts the tail off a used block when it is big enough to be a block of its own.
void split(Block* b, uint32_t size) {
  uint32_t total = size_of(b);
  if (total - size < kMinBlock) return;
  Block* rest = at(addr_of(b) + size);
  rest->prev_phys = addr_of(b);
  rest->size = total - size;
  b->size = size;  // stays used
  Block* after = next_phys(rest);
  if (after) after->prev_phys = addr_of(rest);
  else g_last = addr_of(rest);
  insert(rest);
}

// Grows the heap so that a block of `size` bytes fits at its end; returns it, unlinked.
Block* grow(uint32_t size, bool limited) {
  if (g_base == 0) {
    g_base = g_top = static_cast<uint32_t>((reinterpret_cast<uintptr_t>(&__heap_base) + 15) & ~uintptr_t{15});
  }
  // A free last block is extended rather than left behind.
  Block* last = g_last && is_free(at(g_last)) ? at(g_last) : nullptr;
  uint64_t start = last ? addr_of(last) : g_top;
  uint64_t end = start + size;
  uint64_t cap = limited ? g_limit : kMaxHeap;
  if (end > cap || end > kMaxHeap - kPage) return nullptr;
  uint64_t have = static_cast<uint64_t>(__builtin_wasm_memory_size(0)) * kPage;
  if (end > have) {
    uint64_t want = end - have < kGrowChunk ? have + kGrowChunk : end;
    if (want > cap) want = end;
    uint64_t pages = (want - have + kPage - 1) / kPage;
    if (__builtin_wasm_memory_grow(0, static_cast<size_t>(pages)) == SIZE_MAX) {
      pages = (end - have + kPage - 1) / kPage;  // the engine may allow less than the chunk
      if (__builtin_wasm_memory_grow(0, static_cast<size_t>(pages)) == SIZE_MAX) return nullptr;
    }
  }
  Block* b;
  if (last) {
    unlink(last);
    b = last;
  } else {
    b = at(g_top);
    b->prev_phys = g_last;
    g_last = addr_of(b);
  }
  b->size = size;
  g_top = static_cast<uint32_t>(end);
  return b;
}

void* allocate(uint64_t bytes, bool limited) {
  uint64_t need = (bytes + kHeader + 15) & ~uint64_t{15};
  if (need < kMinBlock) need = kMinBlock;
  if (need >= kMaxHeap) return nullptr;
  uint32_t size = static_cast<uint32_t>(need);
  Lock lock;
  Block* b = find_free(size);
  if (!b) b = grow(size, limited);
  if (!b) return nullptr;
  split(b, size);
  return reinterpret_cast<unsigned char*>(b) + kHeader;
}

}  // namespace

void* alloc(size_t size) { return allocate(size, false); }

void* alloc_limited(uint64_t size) { return allocate(size, true); }

void free(void* ptr) {
  if (!ptr) return;
  Lock lock;
  Block* b = reinterpret_cast<Block*>(static_cast<unsigned char*>(ptr) - kHeader);
  Block* next = next_phys(b);
  if (next && is_free(next)) {
    unlink(next);
    b->size += size_of(next);
  }
  if (b->prev_phys && is_free(at(b->prev_phys))) {
    Block* prev = at(b->prev_phys);
    unlink(prev);
    prev->size += size_of(b);
    b = prev;
  }
  Block* after = next_phys(b);
  if (after) after->prev_phys = addr_of(b);
  else g_last = addr_of(b);
  insert(b);
}

void set_heap_limit(uint64_t end) { g_limit = end < kMaxHeap ? end : kMaxHeap; }

HeapStats heap_stats() {
  Lock lock;
  HeapStats s{};
  s.base = g_base ? g_base : static_cast<uint32_t>((reinterpret_cast<uintptr_t>(&__heap_base) + 15) & ~uintptr_t{15});
  s.top = g_top ? g_top : s.base;
  s.free_bytes = g_free_bytes;
  // The largest free block, as a payload size.
  for (int fl = kFlCount - 1; fl >= 0 && !s.largest_free; fl--) {
    if (!(g_fl_map & (1u << fl))) continue;
    for (int sl = kSlCount - 1; sl >= 0; sl--) {
      for (uint32_t a = g_lists[fl][sl]; a; a = at(a)->next_free) {
        uint32_t payload = size_of(at(a)) - kHeader;
        if (payload > s.largest_free) s.largest_free = payload;
      }
      if (s.largest_free) break;
    }
  }
  // Room at the end of memory that no block holds yet counts as part of the last free run.
  uint64_t have = static_cast<uint64_t>(__builtin_wasm_memory_size(0)) * kPage;
  uint64_t tail = have - s.top + (g_last && is_free(at(g_last)) ? size_of(at(g_last)) : 0);
  if (tail > kHeader && tail - kHeader > s.largest_free) s.largest_free = tail - kHeader;
  return s;
}

}  // namespace wj
