; Firmware for the KVM probe of vm-node (io.roam.vmnode.probe.QemuFirmwareProbe).
; Build (from vm-node/): nasm -f bin -o src/main/resources/io/roam/vmnode/probe/kvm-probe.bin src/main/asm/kvm-probe.asm
;
; From the reset vector it enters protected mode, builds identity-mapped page tables,
; enters 64-bit long mode and writes 0x2a to the isa-debug-exit port 0xf4: QEMU then
; exits with status (0x2a << 1) | 1 = 85. Guests that hang under nested KVM on some
; machines pass a real-mode-only probe, but hang here, on the way into long mode.
bits 16
org 0
BASE equ 0xF0000
start16:
  cli
  o32 lgdt [cs:gdtr]
  mov eax, cr0
  or eax, 1
  mov cr0, eax
  jmp dword 0x08:(BASE + pm32)
bits 32
pm32:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov edi, 0x1000
  xor eax, eax
  mov ecx, 0xC00
  rep stosd
  mov dword [0x1000], 0x2003
  mov dword [0x2000], 0x3003
  mov dword [0x3000], 0x83
  mov eax, cr4
  or eax, 1 << 5
  mov cr4, eax
  mov eax, 0x1000
  mov cr3, eax
  mov ecx, 0xC0000080
  rdmsr
  or eax, 1 << 8
  wrmsr
  mov eax, cr0
  or eax, 1 << 31
  mov cr0, eax
  jmp 0x18:(BASE + lm64)
bits 64
lm64:
  mov al, 0x2a
  out 0xf4, al
  hlt
  jmp lm64
align 8
gdt:
  dq 0
  dq 0x00CF9A000000FFFF
  dq 0x00CF92000000FFFF
  dq 0x00AF9A000000FFFF
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd BASE + gdt
times 65536-16-($-$$) db 0
bits 16
reset:
  jmp 0xF000:start16
times 65536-($-$$) db 0
