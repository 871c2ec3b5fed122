#include "alloc.h"

#include <stdint.h>

extern "C" unsigned char __heap_base;  // first byte after data and stack (wasm-ld)

namespace wj {
namespace {

// Power-of-two size classes from 16 B; a freed block goes to its class's free
// list and is reused as-is. Blocks carry a 16-byte header holding their class.
// Guarded by a spinlock: allocation happens on the JS thread but must be safe
// from workers too.
constexpr int kClasses = 32;
constexpr size_t kHeader = 16;
constexpr size_t kPage = 65536;

struct FreeBlock {
  FreeBlock* next;
};

FreeBlock* g_free[kClasses];
uintptr_t g_top = 0;  // bump pointer
int32_t g_lock = 0;

struct Lock {
  Lock() {
    while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE)) {
    }
  }
  ~Lock() { __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE); }
};

int size_class(size_t size) {
  int c = 4;
  while ((size_t{1} << c) < size + kHeader) ++c;
  return c;
}

void* bump(size_t bytes) {
  if (g_top == 0) g_top = (reinterpret_cast<uintptr_t>(&__heap_base) + 15) & ~uintptr_t{15};
  uintptr_t end = g_top + bytes;
  if (end < g_top) return nullptr;
  size_t have = __builtin_wasm_memory_size(0) * kPage;
  if (end > have) {
    size_t pages = (end - have + kPage - 1) / kPage;
    if (__builtin_wasm_memory_grow(0, pages) == SIZE_MAX) return nullptr;
  }
  void* p = reinterpret_cast<void*>(g_top);
  g_top = end;
  return p;
}

}  // namespace

void* alloc(size_t size) {
  int c = size_class(size);
  if (c >= kClasses) return nullptr;
  Lock lock;
  unsigned char* block;
  if (g_free[c]) {
    block = reinterpret_cast<unsigned char*>(g_free[c]);
    g_free[c] = g_free[c]->next;
  } else {
    block = static_cast<unsigned char*>(bump(size_t{1} << c));
    if (!block) return nullptr;
  }
  *reinterpret_cast<int32_t*>(block) = c;
  return block + kHeader;
}

void free(void* ptr) {
  if (!ptr) return;
  unsigned char* block = static_cast<unsigned char*>(ptr) - kHeader;
  int c = *reinterpret_cast<int32_t*>(block);
  Lock lock;
  auto* f = reinterpret_cast<FreeBlock*>(block);
  f->next = g_free[c];
  g_free[c] = f;
}

}  // namespace wj
