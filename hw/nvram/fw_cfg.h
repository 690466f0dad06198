/*
 * hw/nvram/fw_cfg.h - keys and DMA bits of the fw_cfg interface
 * (hw/nvram/fw_cfg.c), for the device and the tests that talk to it.
 */
#ifndef HW_NVRAM_FW_CFG_H
#define HW_NVRAM_FW_CFG_H

#define FW_CFG_IO_BASE       0x510

/* selector keys */
#define FW_CFG_SIGNATURE     0x00
#define FW_CFG_ID            0x01
#define FW_CFG_UUID          0x02
#define FW_CFG_RAM_SIZE      0x03
#define FW_CFG_NOGRAPHIC     0x04
#define FW_CFG_NB_CPUS       0x05
#define FW_CFG_BOOT_MENU     0x0e
#define FW_CFG_MAX_CPUS      0x0f
#define FW_CFG_FILE_DIR      0x19
#define FW_CFG_ARCH_LOCAL    0x8000
#define FW_CFG_IRQ0_OVERRIDE 0x8002

/* FW_CFG_ID bits */
#define FW_CFG_VERSION       0x01
#define FW_CFG_VERSION_DMA   0x02

/* DMA control word bits */
#define FW_CFG_DMA_ERROR     0x01
#define FW_CFG_DMA_READ      0x02
#define FW_CFG_DMA_SKIP      0x04
#define FW_CFG_DMA_SELECT    0x08
#define FW_CFG_DMA_WRITE     0x10

#endif
