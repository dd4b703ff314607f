{
  "targets": [
    {
      "target_name": "dsari_spawn",
      "sources": ["native/spawn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
