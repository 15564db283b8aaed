#!/bin/sh
# NTLM interop with gss-ntlmssp and impacket: needs a Python with python3-gssapi or
# impacket (Debian's /usr/bin/python3 has them); skips when there is none.
for py in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$py" -c 'import gssapi' 2>/dev/null || "$py" -c 'import impacket' 2>/dev/null; then
        exec "$py" "${TOP_SRCDIR:-.}/tests/ntlm/test_ntlm_interop.py" \
            "${TOP_BUILDDIR:-.}/tests/ntlm/ntlm_client"
    fi
done
echo "1..0 # SKIP no Python with gssapi or impacket (install python3-gssapi gss-ntlmssp python3-impacket)"
