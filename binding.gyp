{
  "targets": [
    {
      "target_name": "dsari_spawn",
      "sources": [
        "native/spawn.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra"
      ]
    },
    {
      "target_name": "dsari_notify",
      "sources": [
        "native/notify.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra"
      ]
    },
    {
      "target_name": "dsari-reaper",
      "type": "executable",
      "sources": [
        "native/reaper.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra"
      ]
    }
  ]
}
