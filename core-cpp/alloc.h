#pragma once
#include <stddef.h>

namespace wj {

// A small allocator over the wasm linear memory (grown with memory.grow), so the
// module needs no libc malloc and no JS imports. 16-byte aligned blocks.
void* alloc(size_t size);
void free(void* ptr);

}  // namespace wj
