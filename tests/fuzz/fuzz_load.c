/* libFuzzer target: the ONNX reader and graph builder on arbitrary bytes. Whatever
 * loads is run (predict, saliency, one more method) on a small valid image and
 * freed; see harness.h for the contract checked. Seeds: the fixture and shipped
 * models (tests/fuzz/seeds.sh); dictionary: onnx.dict. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_load_and_run(data, size);
    return 0;
}
