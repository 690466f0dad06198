#!/bin/bash
# The layering rule of docs/architecture.md: devices (hw/) never know which
# accelerator runs, so nothing under hw/ may include accel/ or tcg/ headers;
# the CPU model (target/) may not include accel/ either.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0
check() { # description, directory, forbidden-include-regex
    local bad
    bad=$(grep -rnE "#[[:space:]]*include[[:space:]]*[\"<]($3)" "$2" --include='*.[ch]' 2>/dev/null)
    if [ -n "$bad" ]; then
        echo "FAIL $1:"; echo "$bad" | sed 's/^/  /'; failed=$((failed + 1))
    else
        echo "PASS $1"; passed=$((passed + 1))
    fi
}
check "hw/ does not include accel/ or tcg/" hw 'accel/|tcg/'
check "target/ does not include accel/" target 'accel/'
check "ui/ does not include accel/ or tcg/" ui 'accel/|tcg/'
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
