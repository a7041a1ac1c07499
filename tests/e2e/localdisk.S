/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * localdisk.S: the boot sector of the e2e VMs' "local disk" (lib.sh's
 * e2e_localdisk assembles it with GNU as and links it at 0x7c00). A VM that
 * boots its local drive runs this: it prints RACKBOOT-LOCALDISK on COM1 and
 * halts, so a test reads on the serial console that the firmware reached
 * the disk (after a loader's local-boot entry handed the machine back).
 *
 * The BIOS loads it at 0000:7c00 in real mode with the boot drive in DL.
 * It writes to the UART directly (no BIOS call): SeaBIOS does not put its
 * console on COM1, and the port is the same one the kernels use.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $0x7c00, %sp
	/* Some BIOSes enter at 07c0:0000: make CS agree with the link address. */
	ljmp $0, $start0
start0:
	call uart_init
	movw $msg, %si
next:
	lodsb
	testb %al, %al
	jz halt
	call putc
	jmp next
halt:
	/* Interrupts off: hlt stays halted, the VM idles until powered off. */
	cli
	hlt
	jmp halt

/* COM1 at 115200 8N1, FIFOs on (qemu ignores the rate; real UARTs do not). */
uart_init:
	movw $0x3fb, %dx /* line control: DLAB on */
	movb $0x80, %al
	outb %al, %dx
	movw $0x3f8, %dx /* divisor 1 = 115200 baud */
	movb $1, %al
	outb %al, %dx
	movw $0x3f9, %dx
	xorb %al, %al
	outb %al, %dx
	movw $0x3fb, %dx /* DLAB off, 8 bits, no parity, 1 stop bit */
	movb $0x03, %al
	outb %al, %dx
	movw $0x3fa, %dx /* FIFO on and cleared */
	movb $0xc7, %al
	outb %al, %dx
	ret

/* Send AL: wait (bounded) for an empty transmit register in the line
 * status register, bit 5, then write the byte. */
putc:
	movb %al, %bl
	movw $0x3fd, %dx
	movw $0xffff, %cx
wait_thr:
	inb %dx, %al
	testb $0x20, %al
	jnz send
	loop wait_thr
send:
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	ret

msg:
	.asciz "\r\nRACKBOOT-LOCALDISK\r\n"

	/* No partition table: nothing reads one. The signature the BIOS checks. */
	.org 510
	.word 0xaa55
