// The bytecode interpreter (interp.cpp): one call runs a whole program.
#pragma once
#include <stdint.h>

namespace wj {

// Runs n_words of bytecode (bytecode.h); slots[i] is the byte address of buffer slot i.
void run_program(const int32_t* code, int32_t n_words, uint8_t* const* slots);

}  // namespace wj
